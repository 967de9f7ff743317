// Adding a phone as a user does, against the organization's SMS gateway (the receiver
// docs/sms-gateway.md shows, which checks every request's signature): a mobile phone by text
// in English and an office phone with its extension by call in Dutch, each code read from what
// the gateway got; the app's own checks and the server's refusals (a premium-rate number, a
// text to a fixed line, a second phone of a kind) at their field; axe in every new state; the
// whole form with the keyboard alone; and the form at 320 px.
import { type Locator, type Page } from '@playwright/test';
import { expect, test } from '../support/test';
import { startServer, ALAIN, MEGAN, type RunningServer } from '../support/server';
import { startSmsGateway, codeIn, type SmsGateway } from '../support/sms';
import { cutWords, expectAccessible, fill, openSecurityInfo, signIn, type Lang, type Messages } from '../support/app';

let gateway: SmsGateway;
let server: RunningServer;
test.beforeAll(async () => {
  gateway = await startSmsGateway();
  server = await startServer({
    SECURITY_INFO_SMS_GATEWAY_URL: gateway.url,
    SECURITY_INFO_SMS_GATEWAY_SECRET: gateway.secret,
    SECURITY_INFO_ALLOWED_METHODS: 'email,authenticatorApp,securityKey,phone',
  });
});
test.afterAll(async () => {
  await server?.stop();
  await gateway?.stop();
});

async function openPhone(page: Page, t: Messages): Promise<Locator> {
  await page.getByRole('button', { name: t.add_method }).click();
  const choose = page.getByRole('dialog', { name: t.add_title });
  await choose.getByLabel(t.add_question).selectOption({ label: t.method_type_phone });
  await choose.getByRole('button', { name: t.add_submit }).click();
  const dialog = page.getByRole('dialog', { name: t.method_type_phone });
  await expect(dialog.getByLabel(t.phone_region_label)).toBeVisible(); // the regions are loaded
  return dialog;
}

/** Deletes the method listed as `kind` with `detail`, and checks that the list is empty again. */
async function deletePhone(page: Page, t: Messages, kind: string, detail: string): Promise<void> {
  await page.getByRole('button', { name: fill(t.delete_link_label, { method: kind, detail }) }).click();
  const confirm = page.getByRole('dialog', { name: t.delete_title });
  await expect(confirm.getByText(fill(t.delete_question, { method: t.method_type_phone, detail }))).toBeVisible();
  await confirm.getByRole('button', { name: t.yes, exact: true }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByTestId('methods-empty')).toBeVisible();
}

test('a mobile phone is added with the code texted to it, listed with its number, and a second one is refused (en)', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const t = await signIn(page, server.url, ALAIN, 'en');
  await openSecurityInfo(page, t);
  const dialog = await openPhone(page, t);
  const mobile = dialog.getByRole('radio', { name: t.phone_kind_mobile, exact: true });
  await expect(mobile).toBeChecked();
  await expect(mobile).toBeFocused();
  await expect(dialog.getByRole('radio', { name: t.phone_channel_sms, exact: true })).toBeChecked();
  await expect(dialog.getByLabel(t.phone_extension_label)).toHaveCount(0);
  const number = dialog.getByLabel(t.phone_number_label);
  await expect(number).toHaveAttribute('type', 'tel');
  await expect(number).toHaveAttribute('autocomplete', 'tel-national');
  await expect(number).toHaveAttribute('inputmode', 'tel');
  await expectAccessible(page, 'phone form');

  // The app's own checks, at the number.
  const next = dialog.getByRole('button', { name: t.next });
  await next.click();
  await expect(dialog.getByText(t.phone_error_empty)).toBeVisible();
  await expect(number).toBeFocused();
  await expect(number).toHaveAttribute('aria-invalid', 'true');
  await expect(number).toHaveAttribute('aria-describedby', /phone-number-error/);
  await number.fill('06-CALL-ME');
  await next.click();
  await expect(dialog.getByText(t.phone_error_characters)).toBeVisible();
  await expectAccessible(page, 'phone form with an error');

  const region = dialog.getByLabel(t.phone_region_label);
  await region.selectOption('NL');
  // Named by the browser in the page's language, with the calling code.
  await expect(region.locator('option:checked')).toHaveText('Netherlands (+31)');
  await number.fill('06 12345678');
  await next.click();
  const destination = '+31 6 12345678';
  await expect(dialog.getByText(fill(t.code_sent_sms, { destination, length: 6 }))).toBeVisible();
  await expectAccessible(page, 'phone code');

  const text = await gateway.nextMessage('+31612345678');
  expect(text.channel).toBe('sms');
  expect(text.language).toBe('en');
  const code = codeIn(text);
  expect(code).toMatch(/^\d{6}$/);
  await dialog.getByLabel(t.code_label, { exact: true }).fill(code);
  await next.click();
  await expect(dialog).toBeHidden();

  const row = page.locator('.method', { hasText: destination });
  await expect(row.locator('.method-type')).toHaveText(t.phone_kind_mobile);
  await expect(row.locator('.method-detail')).toHaveText(destination);
  await expect(row.locator('.method-usage')).toHaveText(t.usage_both);
  await expect(page.getByRole('status')).toHaveText(fill(t.method_added, { detail: destination }));
  // A phone has no name of its own to change.
  await expect(row.getByRole('button', { name: new RegExp(t.rename) })).toHaveCount(0);

  // One phone of each kind: a second mobile phone is refused at the choice of phone.
  const again = await openPhone(page, t);
  await again.getByLabel(t.phone_region_label).selectOption('NL');
  await again.getByLabel(t.phone_number_label).fill('06 87654321');
  await again.getByRole('button', { name: t.next }).click();
  await expect(again.getByText(t.phone_already_registered)).toBeVisible();
  await expect(again.getByRole('radio', { name: t.phone_kind_mobile, exact: true })).toBeFocused();
  await expectAccessible(page, 'second mobile phone refused');
  await again.getByRole('button', { name: t.cancel }).click();
  await expect(again).toBeHidden();

  await deletePhone(page, t, t.phone_kind_mobile, destination);
  // Every request the gateway got was signed with the shared secret.
  expect(gateway.received.filter((r) => !r.verified)).toEqual([]);
});

test('an office phone with an extension is added with the code spoken in a call, and Back keeps what was typed (nl)', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const t = await signIn(page, server.url, MEGAN, 'nl');
  await openSecurityInfo(page, t);
  const dialog = await openPhone(page, t);
  // On the Dutch page the Netherlands come first and are chosen; the rest by their Dutch name.
  const region = dialog.getByLabel(t.phone_region_label);
  await expect(region).toHaveValue('NL');
  const labels = await region.locator('option').allTextContents();
  expect(labels[0]).toBe('Nederland (+31)');
  expect(labels.indexOf('België (+32)')).toBeGreaterThan(0);
  expect(labels.indexOf('België (+32)')).toBeLessThan(labels.indexOf('Duitsland (+49)'));

  await dialog.getByRole('radio', { name: t.phone_kind_office, exact: true }).check();
  // Texts go to the mobile phone only: an office phone is called, and the form says so.
  await expect(dialog.getByRole('radio', { name: t.phone_channel_sms, exact: true })).toHaveCount(0);
  await expect(dialog.getByRole('radio', { name: t.phone_channel_voice, exact: true })).toBeChecked();
  await expect(dialog.getByText(t.phone_calls_only)).toBeVisible();
  const extension = dialog.getByLabel(t.phone_extension_label);
  await extension.fill('12a');
  await dialog.getByLabel(t.phone_number_label).fill('020 555 0123');
  const next = dialog.getByRole('button', { name: t.next });
  await next.click();
  await expect(dialog.getByText(t.phone_error_extension)).toBeVisible();
  await expect(extension).toBeFocused();
  await expectAccessible(page, 'office phone form with an error');
  await extension.fill('123');
  await next.click();

  const destination = '+31 20 555 0123';
  const sent = dialog.getByText(fill(t.code_sent_voice, { destination }));
  await expect(sent).toBeVisible();
  const first = await gateway.nextMessage('+31205550123');
  expect(first.channel).toBe('voice');
  expect(first.language).toBe('nl');
  expect(first.extension).toBe('123');

  // Back: the form as it was sent; Next again calls again.
  await dialog.getByRole('button', { name: t.back }).click();
  await expect(dialog.getByRole('radio', { name: t.phone_kind_office, exact: true })).toBeChecked();
  await expect(dialog.getByLabel(t.phone_number_label)).toHaveValue('020 555 0123');
  await expect(extension).toHaveValue('123');
  await expect(dialog.getByRole('radio', { name: t.phone_channel_voice, exact: true })).toBeChecked();
  await next.click();
  await expect(sent).toBeVisible();
  const call = await gateway.nextMessage('+31205550123');
  expect(call.channel).toBe('voice');
  const code = codeIn(call);
  expect(code).toMatch(/^\d{6}$/);
  // Spoken digit by digit, never as one number.
  expect(call.text).not.toContain(code);
  await dialog.getByLabel(t.code_label, { exact: true }).fill(code);
  await next.click();
  await expect(dialog).toBeHidden();

  const detail = `${destination} toestel 123`;
  const row = page.locator('.method', { hasText: destination });
  await expect(row.locator('.method-type')).toHaveText(t.phone_kind_office);
  await expect(row.locator('.method-detail')).toHaveText(detail);
  await expect(page.getByRole('status')).toHaveText(fill(t.method_added, { detail }));
  await deletePhone(page, t, t.phone_kind_office, detail);
});

for (const [lang, user] of [
  ['en', ALAIN],
  ['nl', MEGAN],
] as [Lang, string][]) {
  test(`a premium-rate number and a text to a fixed line are refused at their field (${lang})`, async ({ page }) => {
    const t = await signIn(page, server.url, user, lang);
    await openSecurityInfo(page, t);
    const dialog = await openPhone(page, t);
    await dialog.getByLabel(t.phone_region_label).selectOption('NL');
    const number = dialog.getByLabel(t.phone_number_label);
    const next = dialog.getByRole('button', { name: t.next });
    await number.fill('0900 1234567');
    await next.click();
    await expect(dialog.getByText(t.problem_phone_number_not_personal)).toBeVisible();
    await expect(number).toBeFocused();
    await expect(number).toHaveAttribute('aria-invalid', 'true');
    await expectAccessible(page, 'premium-rate number refused');

    // A fixed line takes no texts: the refusal is at text or call, with Call me focused.
    await number.fill('010 123 4567');
    await next.click();
    await expect(dialog.getByText(t.problem_texts_not_possible)).toBeVisible();
    const call = dialog.getByRole('radio', { name: t.phone_channel_voice, exact: true });
    await expect(call).toBeFocused();
    await expect(number).toHaveAttribute('aria-invalid', 'false');
    await page.keyboard.press('Space');
    await expect(call).toBeChecked();
    await expect(dialog.getByText(t.problem_texts_not_possible)).toHaveCount(0);
    await dialog.getByRole('button', { name: t.cancel }).click();
    await expect(dialog).toBeHidden();
  });
}

test('a phone is added with the keyboard alone', async ({ page }) => {
  test.setTimeout(90_000);
  const t = await signIn(page, server.url, ALAIN, 'en');
  await openSecurityInfo(page, t);
  const kb = page.keyboard;
  const add = page.getByRole('button', { name: t.add_method });
  await add.focus();
  await kb.press('Enter');
  const choose = page.getByRole('dialog', { name: t.add_title });
  const select = choose.getByLabel(t.add_question);
  await expect(select).toBeFocused();
  for (let i = 0; i < 6 && (await select.inputValue()) !== 'phone'; i++) await kb.press('ArrowDown');
  await expect(select).toHaveValue('phone');
  await kb.press('Tab'); // Cancel
  await kb.press('Tab'); // Add
  await kb.press('Enter');

  const dialog = page.getByRole('dialog', { name: t.method_type_phone });
  const office = dialog.getByRole('radio', { name: t.phone_kind_office, exact: true });
  await expect(dialog.getByRole('radio', { name: t.phone_kind_mobile, exact: true })).toBeFocused();
  await kb.press('ArrowDown'); // Alternate mobile phone
  await kb.press('ArrowDown'); // Office phone
  await expect(office).toBeChecked();
  await expect(office).toBeFocused();
  await kb.press('Tab');
  const region = dialog.getByLabel(t.phone_region_label);
  await expect(region).toBeFocused();
  await kb.type('Netherlands'); // type-ahead in the closed list
  await expect(region).toHaveValue('NL');
  await kb.press('Tab');
  await expect(dialog.getByLabel(t.phone_number_label)).toBeFocused();
  await kb.type('020 555 0124');
  await kb.press('Tab');
  await expect(dialog.getByLabel(t.phone_extension_label)).toBeFocused();
  await kb.type('45');
  await kb.press('Tab');
  const call = dialog.getByRole('radio', { name: t.phone_channel_voice, exact: true });
  await expect(call).toBeFocused();
  await kb.press('Space');
  await expect(call).toBeChecked();
  await kb.press('Tab'); // Cancel
  await kb.press('Tab'); // Next
  await expect(dialog.getByRole('button', { name: t.next })).toBeFocused();
  await kb.press('Enter');

  const codeInput = dialog.getByLabel(t.code_label, { exact: true });
  await expect(codeInput).toBeFocused();
  await kb.type(codeIn(await gateway.nextMessage('+31205550124')));
  await kb.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(add).toBeFocused();
  const detail = '+31 20 555 0124 ext. 45';
  await expect(page.locator('.method-detail')).toHaveText(detail);
  await deletePhone(page, t, t.phone_kind_office, detail);
});

test('at 320 px the phone form fits: no word is cut and nothing scrolls sideways', async ({ browser, policy }) => {
  const context = policy.watch(await browser.newContext({ viewport: { width: 320, height: 640 } }));
  const page = await context.newPage();
  const t = await signIn(page, server.url, MEGAN, 'nl');
  await page.goto(`${server.url}/security-info`);
  await expect(page.getByRole('heading', { level: 1, name: t.security_title })).toBeVisible();
  const dialog = await openPhone(page, t);
  // The longest state: an office phone (with its extension), after an error.
  await dialog.getByRole('radio', { name: t.phone_kind_office, exact: true }).check();
  await dialog.getByRole('button', { name: t.next }).click();
  await expect(dialog.getByText(t.phone_error_empty)).toBeVisible();
  const box = await dialog.boundingBox();
  expect(box && box.x >= 0 && box.x + box.width <= 320).toBe(true);
  expect(await cutWords(dialog), 'the phone form at 320 px').toEqual([]);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, 'sideways scrolling at 320 px').toBeLessThanOrEqual(0);
  await expectAccessible(page, 'phone form at 320 px');
  await context.close();
});
