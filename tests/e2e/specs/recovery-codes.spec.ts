// What two-step verification adds to Security info, as a user meets it: recovery codes (made
// once a two-step method exists, shown once to copy or download, used to sign in when the
// other ways cannot, the count dropping, a new set voiding the old one, few left said), the
// default sign-in method (Change, Confirm, and the server moving it when the default is
// deleted), a step-up that asks for the second factor after the password, and an organization
// that requires two-step verification sending a new user straight to Add method. English and
// Dutch, axe in every new state. Every test has a server of its own (fresh accounts).
import { type Page } from '@playwright/test';
import fs from 'node:fs';
import { expect, test } from '../support/test';
import { startServer, sql, ALAIN, DEMO_PASSWORD, MEGAN, type RunningServer } from '../support/server';
import { startSmsGateway, codeIn, type SmsGateway } from '../support/sms';
import { exact, expectAccessible, fill, messages, openSecurityInfo, signIn, type Messages } from '../support/app';
import { addAuthenticatorApp, passwordStep, signOut } from '../support/two-step';

let gateway: SmsGateway;
let server: RunningServer | undefined;
test.beforeAll(async () => {
  gateway = await startSmsGateway();
});
test.afterAll(async () => {
  await gateway?.stop();
});
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function freshServer(env: Record<string, string> = {}): Promise<string> {
  server = await startServer({
    SECURITY_INFO_SMS_GATEWAY_URL: gateway.url,
    SECURITY_INFO_SMS_GATEWAY_SECRET: gateway.secret,
    SECURITY_INFO_ALLOWED_METHODS: 'email,authenticatorApp,securityKey,phone',
    ...env,
  });
  return server.url;
}

function recoverySection(page: Page, t: Messages) {
  return page.getByRole('region', { name: t.recovery_heading });
}

/** The second step's recovery code, through Sign in another way. */
async function useRecoveryCode(page: Page, t: Messages, code: string): Promise<void> {
  await page.getByRole('button', { name: t.second_step_another_way }).click();
  await page.getByRole('button', { name: t.second_step_way_recovery }).click();
  const input = page.getByLabel(t.second_step_recovery_label);
  await expect(input).toBeFocused();
  await input.fill(code);
  await page.getByRole('button', { name: t.verify }).click();
}

/** Makes a set from the section's button (no set yet) and returns the codes shown. */
async function readCodes(page: Page, t: Messages): Promise<string[]> {
  const dialog = page.getByRole('dialog', { name: t.recovery_codes_title });
  await expect(dialog).toBeVisible();
  const codes = await dialog.getByTestId('recovery-code-list').locator('code').allTextContents();
  expect(codes).toHaveLength(10);
  for (const code of codes) expect(code).toMatch(/^[a-z0-9]{5}-[a-z0-9]{5}$/i);
  expect(new Set(codes).size).toBe(10);
  return codes;
}

async function addMobilePhone(page: Page, t: Messages): Promise<void> {
  await page.getByRole('button', { name: t.add_method }).click();
  const choose = page.getByRole('dialog', { name: t.add_title });
  await choose.getByLabel(t.add_question).selectOption({ label: t.method_type_phone });
  await choose.getByRole('button', { name: t.add_submit }).click();
  const dialog = page.getByRole('dialog', { name: t.method_type_phone });
  await dialog.getByLabel(t.phone_region_label).selectOption('NL');
  await dialog.getByLabel(t.phone_number_label).fill('06 12345678');
  await dialog.getByRole('button', { name: t.next }).click();
  await dialog.getByLabel(t.code_label, { exact: true }).fill(codeIn(await gateway.nextMessage('+31612345678')));
  await dialog.getByRole('button', { name: t.next }).click();
  await expect(dialog).toBeHidden();
}

test('recovery codes are shown once to copy and download, sign in once each, and a new set voids the old (en)', async ({
  page,
  context,
}) => {
  test.setTimeout(180_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const url = await freshServer();
  let t = await signIn(page, url, ALAIN, 'en');
  await openSecurityInfo(page, t);
  // No two-step method yet: no recovery codes either.
  await expect(page.getByRole('heading', { name: t.security_title })).toBeVisible();
  await expect(recoverySection(page, t)).toHaveCount(0);
  await addAuthenticatorApp(page, t);

  const section = recoverySection(page, t);
  await expect(section.getByTestId('recovery-count')).toHaveText(t.recovery_none);
  const make = section.getByRole('button', { name: t.recovery_make });
  await make.click();
  let codes = await readCodes(page, t);
  const dialog = page.getByRole('dialog', { name: t.recovery_codes_title });
  await expect(dialog.getByText(t.recovery_save_text)).toBeVisible();
  const copy = dialog.getByRole('button', { name: t.recovery_copy });
  await expect(copy).toBeFocused();
  await expect(page.getByRole('status')).toHaveText(t.recovery_codes_created);
  await expectAccessible(page, 'recovery codes shown');

  await copy.click();
  await expect(dialog.getByText(t.recovery_copied)).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(codes.join('\n'));
  const downloading = page.waitForEvent('download');
  await dialog.getByRole('link', { name: t.recovery_download }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('recovery-codes.txt');
  const file = fs.readFileSync(await download.path(), 'utf8');
  expect(file).toContain(fill(t.recovery_file_title, { account: ALAIN }));
  for (const code of codes) expect(file).toContain(`\n${code}\n`);

  await dialog.getByRole('button', { name: t.done }).click();
  await expect(dialog).toBeHidden();
  const makeNew = section.getByRole('button', { name: t.recovery_make_new });
  await expect(makeNew).toBeFocused();
  await expect(section.getByTestId('recovery-count')).toContainText(fill(t.recovery_count, { remaining: 10, total: 10 }));

  // A recovery code passes the second step, in any case; a wrong one is refused at its field.
  await signOut(page, t);
  t = await passwordStep(page, url, ALAIN, 'en');
  await page.getByRole('button', { name: t.second_step_another_way }).click();
  await expect(page.getByRole('button', { name: t.second_step_way_recovery })).toBeVisible();
  await page.getByRole('button', { name: t.second_step_way_recovery }).click();
  const input = page.getByLabel(t.second_step_recovery_label);
  await expect(input).toBeFocused();
  await page.getByRole('button', { name: t.verify }).click();
  await expect(page.getByText(t.second_step_recovery_empty)).toBeVisible();
  await input.fill('aaaaa-bbbbb');
  await page.getByRole('button', { name: t.verify }).click();
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#recovery-code-error')).toBeVisible();
  await expectAccessible(page, 'second step: wrong recovery code');
  await input.fill(` ${codes[0].toUpperCase()} `);
  await page.getByRole('button', { name: t.verify }).click();
  await expect(page.getByRole('heading', { level: 1, name: t.overview_title })).toBeVisible();
  await expect(page.getByRole('status')).toHaveText(fill(t.recovery_code_used, { count: 9 }));
  await openSecurityInfo(page, t);
  await expect(section.getByTestId('recovery-count')).toContainText(fill(t.recovery_count, { remaining: 9, total: 10 }));
  await page.getByRole('link', { name: t.nav_activity }).click();
  await expect(page.locator('.activity-kind').filter({ hasText: exact(t.activity_kind_recovery_code_used) })).toHaveCount(1);
  await expect(page.locator('.activity-kind').filter({ hasText: exact(t.activity_kind_recovery_codes_created) })).toHaveCount(1);

  // A used code works no more.
  await signOut(page, t);
  t = await passwordStep(page, url, ALAIN, 'en');
  await useRecoveryCode(page, t, codes[0]);
  await expect(page.getByLabel(t.second_step_recovery_label)).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel(t.second_step_recovery_label).fill(codes[1]);
  await page.getByRole('button', { name: t.verify }).click();
  await expect(page.getByRole('heading', { level: 1, name: t.overview_title })).toBeVisible();

  // A new set: the warning first; Cancel changes nothing.
  await openSecurityInfo(page, t);
  await makeNew.click();
  const replace = page.getByRole('dialog', { name: t.recovery_make_new });
  await expect(replace.getByText(t.recovery_replace_warning)).toBeVisible();
  await expectAccessible(page, 'recovery codes: replace warning');
  await replace.getByRole('button', { name: t.cancel }).click();
  await expect(replace).toBeHidden();
  await expect(makeNew).toBeFocused();
  await expect(section.getByTestId('recovery-count')).toContainText(fill(t.recovery_count, { remaining: 8, total: 10 }));
  await makeNew.click();
  await replace.getByRole('button', { name: t.recovery_make_new }).click();
  const fresh = await readCodes(page, t);
  expect(fresh.filter((code) => codes.includes(code))).toEqual([]);
  await page.getByRole('dialog', { name: t.recovery_codes_title }).getByRole('button', { name: t.done }).click();
  await expect(section.getByTestId('recovery-count')).toContainText(fill(t.recovery_count, { remaining: 10, total: 10 }));

  await signOut(page, t);
  t = await passwordStep(page, url, ALAIN, 'en');
  await useRecoveryCode(page, t, codes[2]);
  await expect(page.getByLabel(t.second_step_recovery_label)).toHaveAttribute('aria-invalid', 'true');
  codes = fresh;
  await page.getByLabel(t.second_step_recovery_label).fill(codes[0]);
  await page.getByRole('button', { name: t.verify }).click();
  await expect(page.getByRole('heading', { level: 1, name: t.overview_title })).toBeVisible();

  // Few left: the section says to make new ones.
  sql(
    server!,
    `update recovery_code set used_at = created_at where used_at is null and recovery_code_id in
       (select recovery_code_id from recovery_code where used_at is null limit 7);`,
  );
  await openSecurityInfo(page, t);
  await expect(section.getByTestId('recovery-count')).toContainText(fill(t.recovery_count, { remaining: 2, total: 10 }));
  await expect(section.getByText(t.recovery_low)).toBeVisible();
  await expectAccessible(page, 'recovery codes: few left');
});

test('recovery codes in Dutch', async ({ page }) => {
  test.setTimeout(120_000);
  const url = await freshServer();
  let t = await signIn(page, url, MEGAN, 'nl');
  await openSecurityInfo(page, t);
  await addAuthenticatorApp(page, t);
  const section = recoverySection(page, t);
  await section.getByRole('button', { name: t.recovery_make }).click();
  const codes = await readCodes(page, t);
  await expectAccessible(page, 'recovery codes shown (nl)');
  await page.getByRole('dialog', { name: t.recovery_codes_title }).getByRole('button', { name: t.done }).click();
  await signOut(page, t);
  t = await passwordStep(page, url, MEGAN, 'nl');
  await useRecoveryCode(page, t, codes[3]);
  await expect(page.getByRole('heading', { level: 1, name: t.overview_title })).toBeVisible();
  await expect(page.getByRole('status')).toHaveText(fill(t.recovery_code_used, { count: 9 }));
});

test('a sign-in that leaves few recovery codes goes to Security info and says to make new ones', async ({ page }) => {
  test.setTimeout(150_000);
  const url = await freshServer();
  let t = await signIn(page, url, ALAIN, 'en');
  await openSecurityInfo(page, t);
  await addAuthenticatorApp(page, t);
  await recoverySection(page, t).getByRole('button', { name: t.recovery_make }).click();
  const codes = await readCodes(page, t);
  await page.getByRole('dialog', { name: t.recovery_codes_title }).getByRole('button', { name: t.done }).click();
  // Enough left: the sign-in goes on as usual and says how many.
  for (const [used, code] of codes.slice(0, 7).entries()) {
    await signOut(page, t);
    t = await passwordStep(page, url, ALAIN, 'en');
    await useRecoveryCode(page, t, code);
    await expect(page.getByRole('heading', { level: 1, name: t.overview_title })).toBeVisible();
    await expect(page.getByRole('status')).toHaveText(fill(t.recovery_code_used, { count: 10 - used - 1 }));
  }
  // Two left: Security info, where new codes are made, with the warning.
  await signOut(page, t);
  t = await passwordStep(page, url, ALAIN, 'en');
  await useRecoveryCode(page, t, codes[7]);
  await expect(page.getByRole('heading', { level: 1, name: t.security_title })).toBeVisible();
  await expect(page.getByRole('status')).toHaveText(fill(t.recovery_code_used_low, { count: 2 }));
  const section = recoverySection(page, t);
  await expect(section.getByText(t.recovery_low)).toBeVisible();
  await expect(section.getByRole('button', { name: t.recovery_make_new })).toBeVisible();
});

test('the default sign-in method is changed, asked for first, and moved when it is deleted', async ({ page }) => {
  test.setTimeout(150_000);
  const url = await freshServer();
  let t = await signIn(page, url, ALAIN, 'en');
  await openSecurityInfo(page, t);
  // No two-step method: no default.
  await expect(page.getByTestId('default-method')).toHaveCount(0);
  const app = await addAuthenticatorApp(page, t);
  await addMobilePhone(page, t);
  const appLabel = fill(t.method_and_detail, {
    method: t.method_type_authenticator_app,
    detail: `${t.method_type_authenticator_app} 1`,
  });
  const phoneLabel = fill(t.method_and_detail, { method: t.phone_kind_mobile, detail: '+31 6 12345678' });
  const line = page.getByTestId('default-method');
  // The app is stronger than a phone: the default until the user chooses.
  await expect(line).toContainText(fill(t.default_method_line, { method: appLabel }));

  const change = page.getByRole('button', { name: t.default_method_title });
  await change.click();
  const dialog = page.getByRole('dialog', { name: t.default_method_title });
  await expect(dialog.getByRole('radio')).toHaveCount(2);
  const appRadio = dialog.getByRole('radio', { name: appLabel });
  await expect(appRadio).toBeChecked();
  await expect(appRadio).toBeFocused();
  await expectAccessible(page, 'default method dialog');
  // Cancel changes nothing.
  await dialog.getByRole('button', { name: t.cancel }).click();
  await expect(dialog).toBeHidden();
  await expect(change).toBeFocused();
  await change.click();
  await dialog.getByRole('radio', { name: phoneLabel }).check();
  await dialog.getByRole('button', { name: t.confirm }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('status')).toHaveText(fill(t.default_method_changed, { method: phoneLabel }));
  await expect(line).toContainText(fill(t.default_method_line, { method: phoneLabel }));
  await page.reload();
  await expect(line).toContainText(fill(t.default_method_line, { method: phoneLabel }));

  // The phone is offered first now; the app is another way.
  await signOut(page, t);
  t = await passwordStep(page, url, ALAIN, 'en');
  await expect(page.locator('#second-step-text')).toHaveText(
    new RegExp(fill(t.second_step_sms_text, { destination: '.*78' })),
  );
  await page.getByRole('button', { name: t.second_step_another_way }).click();
  await page.getByRole('button', { name: t.second_step_way_app }).click();
  await page.getByLabel(t.code_label, { exact: true }).fill(await app.freshCode());
  await page.getByRole('button', { name: t.verify }).click();
  await expect(page.getByRole('heading', { level: 1, name: t.overview_title })).toBeVisible();

  // Deleting the default moves it, and the page says to which.
  await openSecurityInfo(page, t);
  await page
    .getByRole('button', { name: fill(t.delete_link_label, { method: t.phone_kind_mobile, detail: '+31 6 12345678' }) })
    .click();
  await page.getByRole('dialog', { name: t.delete_title }).getByRole('button', { name: t.yes, exact: true }).click();
  await expect(page.getByRole('status')).toHaveText(
    `${fill(t.method_deleted, { detail: '+31 6 12345678' })} ${fill(t.default_method_moved, { method: appLabel })}`,
  );
  await expect(line).toContainText(fill(t.default_method_line, { method: appLabel }));
  await page.getByRole('link', { name: t.nav_activity }).click();
  await expect(page.locator('.activity-kind').filter({ hasText: exact(t.activity_kind_default_method_changed) })).not.toHaveCount(0);
});

test('a change after the sign-in is no longer recent asks for the password and then the second step', async ({
  page,
}) => {
  test.setTimeout(150_000);
  // A sign-in counts as recent for 20 s on this server.
  const url = await freshServer({ SECURITY_INFO_STEP_UP_SECONDS: '20' });
  const t = await signIn(page, url, MEGAN, 'en');
  const signedIn = Date.now();
  await openSecurityInfo(page, t);
  const app = await addAuthenticatorApp(page, t);
  await page.waitForTimeout(Math.max(0, signedIn + 22_000 - Date.now()));

  await recoverySection(page, t).getByRole('button', { name: t.recovery_make }).click();
  const stepUp = page.getByRole('dialog', { name: t.reauth_title });
  await expect(stepUp.getByLabel(t.reauth_password)).toBeFocused();
  await stepUp.getByLabel(t.reauth_password).fill(DEMO_PASSWORD);
  await stepUp.getByRole('button', { name: t.reauth_submit }).click();
  // The same dialog asks for the second factor.
  const verify = page.getByRole('dialog', { name: t.second_step_title });
  const code = verify.getByLabel(t.code_label, { exact: true });
  await expect(code).toBeFocused();
  await expect(verify.getByRole('button', { name: t.second_step_another_way_reauth })).toHaveCount(0);
  await expectAccessible(page, 'step-up: second step');
  await code.fill(app.wrongCode());
  await verify.getByRole('button', { name: t.verify }).click();
  await expect(code).toHaveAttribute('aria-invalid', 'true');
  await code.fill(await app.freshCode());
  await verify.getByRole('button', { name: t.verify }).click();
  await expect(verify).toBeHidden();
  // The interrupted change went on.
  await readCodes(page, t);
});

test('an organization that requires two-step verification sends a user without a method to add one', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const url = await freshServer({ SECURITY_INFO_TWO_STEP: 'required' });
  const t = messages('nl');
  await page.goto(`${url}/?lang=nl`);
  await page.getByLabel(t.signin_username).fill(MEGAN);
  await page.getByLabel(t.signin_password, { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: t.signin_submit }).click();
  await expect(page.getByRole('heading', { level: 1, name: t.security_title })).toBeVisible();
  await expect(page.locator('#two-step-required')).toHaveText(t.two_step_required);
  const choose = page.getByRole('dialog', { name: t.add_title });
  await expect(choose.getByText(t.two_step_required)).toBeVisible();
  const select = choose.getByLabel(t.add_question);
  await expect(select).toBeFocused();
  // Only the types usable for two-step verification.
  await expect(select.locator('option')).toHaveText([
    t.add_select_placeholder,
    t.method_type_authenticator_app,
    t.method_type_phone,
    t.method_type_security_key,
  ]);
  await expectAccessible(page, 'two-step verification required');
  await choose.getByRole('button', { name: t.cancel }).click();
  await addAuthenticatorApp(page, t);
  await expect(page.locator('#two-step-required')).toHaveCount(0);
});
