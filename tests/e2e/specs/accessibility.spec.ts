// axe in every state (sign-in, errors, overview, list, each dialog, activity), light and dark,
// a keyboard-only run of the whole flow, and the narrow (320 px) layout with its menu.
import { type Browser, type Page } from '@playwright/test';
import { expect, test, type PolicyWatch } from '../support/test';
import { startServer, ALAIN, DEMO_PASSWORD, MEGAN, type RunningServer } from '../support/server';
import { expectAccessible, fill, messages, nextMail, codeOf, type Lang } from '../support/app';

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server.stop();
});

/** A page in a new context (own options), watched for policy violations like the default one. */
async function freshPage(browser: Browser, policy: PolicyWatch, options: Parameters<Browser['newContext']>[0] = {}): Promise<Page> {
  const context = policy.watch(await browser.newContext(options));
  return context.newPage();
}

for (const [lang, scheme, user] of [
  ['en', 'light', ALAIN],
  ['nl', 'dark', MEGAN],
] as [Lang, 'light' | 'dark', string][]) {
  test(`axe finds nothing in any state (${lang}, ${scheme})`, async ({ browser, policy }) => {
    test.setTimeout(120_000);
    const page = await freshPage(browser, policy, { colorScheme: scheme });
    const t = messages(lang);
    await page.goto(`${server.url}/?lang=${lang}`);
    await expect(page.getByRole('heading', { level: 1, name: t.signin_title })).toBeVisible();
    await expectAccessible(page, 'sign-in');
    await page.getByRole('button', { name: t.signin_submit }).click();
    await expect(page.getByText(t.signin_required_username)).toBeVisible();
    await expectAccessible(page, 'sign-in errors');
    await page.getByLabel(t.signin_username).fill(user);
    await page.getByLabel(t.signin_password, { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: t.signin_submit }).click();
    await expect(page.getByRole('heading', { level: 1, name: t.overview_title })).toBeVisible();
    await expect(page.getByText(user)).toBeVisible();
    await expectAccessible(page, 'overview');

    await page.getByRole('link', { name: t.overview_security_link }).click();
    await expect(page.getByTestId('methods-empty')).toBeVisible();
    await expectAccessible(page, 'empty list');

    await page.getByRole('button', { name: t.add_method }).click();
    const choose = page.getByRole('dialog', { name: t.add_title });
    await expect(choose.getByLabel(t.add_question)).toBeVisible();
    await expectAccessible(page, 'add a method');
    await choose.getByRole('button', { name: t.add_submit }).click();
    await expect(choose.getByText(t.add_choose_required)).toBeVisible();
    await expectAccessible(page, 'add a method, nothing chosen');
    await choose.getByLabel(t.add_question).selectOption({ label: t.method_type_email });
    await choose.getByRole('button', { name: t.add_submit }).click();

    const email = page.getByRole('dialog', { name: t.method_type_email });
    await expect(email.getByLabel(t.email_question)).toBeVisible();
    await expectAccessible(page, 'email');
    await email.getByLabel(t.email_question).fill(`${user.split('@')[0]}@contoso.example`);
    await email.getByRole('button', { name: t.next }).click();
    await expect(email.getByText(t.email_error_work)).toBeVisible();
    await expectAccessible(page, 'email, work address');

    const address = `${user.split('@')[0]}.a11y@example.com`;
    const since = new Date().toISOString();
    await email.getByLabel(t.email_question).fill(address);
    await email.getByRole('button', { name: t.next }).click();
    await expect(email.getByText(fill(t.code_sent, { destination: address }))).toBeVisible();
    await expectAccessible(page, 'code');
    const code = codeOf(await nextMail(server.url, address, since));
    await email.getByLabel(t.code_label, { exact: true }).fill(code === '000000' ? '111111' : '000000');
    await email.getByRole('button', { name: t.next }).click();
    await expect(email.locator('#code-error')).toBeVisible();
    await expectAccessible(page, 'code, wrong');
    await email.getByLabel(t.code_label, { exact: true }).fill(code);
    await email.getByRole('button', { name: t.next }).click();
    await expect(email).toBeHidden();
    await expect(page.getByRole('list', { name: t.methods_label }).getByText(address)).toBeVisible();
    await expectAccessible(page, 'list with a method and a status message');

    await page.getByRole('list', { name: t.methods_label }).getByRole('button').first().click();
    const confirm = page.getByRole('dialog', { name: t.delete_title });
    await expect(confirm).toBeVisible();
    await expectAccessible(page, 'delete');
    await confirm.getByRole('button', { name: t.yes, exact: true }).click();
    await expect(page.getByTestId('methods-empty')).toBeVisible();

    await page.getByRole('navigation').getByRole('link', { name: t.nav_activity }).click();
    await expect(page.getByRole('heading', { level: 1, name: t.activity_title })).toBeVisible();
    await expect(page.getByText(t.activity_kind_sign_in, { exact: true }).first()).toBeVisible();
    await expectAccessible(page, 'activity');
    await page.context().close();
  });
}

test('the policy disallowing email hides it and points to the helpdesk', async ({ browser, policy }) => {
  const strict = await startServer({ SECURITY_INFO_ALLOWED_METHODS: '' });
  try {
    const page = await freshPage(browser, policy);
    const t = messages('en');
    await page.goto(`${strict.url}/signin?lang=en`);
    await page.getByLabel(t.signin_username).fill(ALAIN);
    await page.getByLabel(t.signin_password, { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: t.signin_submit }).click();
    await page.getByRole('link', { name: t.overview_security_link }).click();
    await expect(page.getByText(t.usage_not_allowed).first()).toBeVisible();
    await page.getByRole('button', { name: t.add_method }).click();
    const dialog = page.getByRole('dialog', { name: t.add_title });
    await expect(dialog.getByText(t.add_none_available)).toBeVisible();
    await expect(dialog.getByRole('combobox')).toHaveCount(0);
    await expect(dialog.getByRole('button', { name: t.add_submit })).toHaveCount(0);
    await expectAccessible(page, 'nothing to add');
    await dialog.getByRole('button', { name: t.cancel }).click();
    await expect(dialog).toBeHidden();
    await page.context().close();
  } finally {
    await strict.stop();
  }
});

test('the whole flow works with the keyboard alone', async ({ browser, policy }) => {
  const page = await freshPage(browser, policy);
  const t = messages('en');
  const kb = page.keyboard;
  await page.goto(`${server.url}/signin?lang=en`);
  await expect(page.getByRole('heading', { level: 1, name: t.signin_title })).toBeVisible();

  // Tab until a control is focused; fails when focus never gets there.
  async function tabTo(locator: ReturnType<Page['getByRole']>, max = 25) {
    for (let i = 0; i < max; i++) {
      if (await locator.evaluate((el) => el === document.activeElement).catch(() => false)) return;
      await kb.press('Tab');
    }
    await expect(locator).toBeFocused();
  }

  await tabTo(page.getByLabel(t.signin_username));
  await kb.type(ALAIN);
  await kb.press('Tab');
  await kb.type(DEMO_PASSWORD);
  await kb.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: t.overview_title })).toBeVisible();

  const link = page.getByRole('link', { name: t.overview_security_link });
  await tabTo(link);
  await kb.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: t.security_title })).toBeVisible();

  const add = page.getByRole('button', { name: t.add_method });
  await tabTo(add);
  await kb.press('Enter');
  const dialog = page.getByRole('dialog', { name: t.add_title });
  const select = dialog.getByLabel(t.add_question);
  await expect(select).toBeFocused();
  // Esc closes and gives focus back to Add method.
  await kb.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(add).toBeFocused();

  await kb.press('Enter');
  await expect(select).toBeFocused();
  // Down the list to Email, in the article's order (which types come first depends on what the
  // server allows: an authenticator app, a phone, a security key).
  for (let i = 0; i < 6 && (await select.inputValue()) !== 'email'; i++) await kb.press('ArrowDown');
  await expect(select).toHaveValue('email');
  await tabTo(dialog.getByRole('button', { name: t.add_submit }));
  await kb.press('Enter');
  const email = page.getByRole('dialog', { name: t.method_type_email });
  await expect(email.getByLabel(t.email_question)).toBeFocused();
  const address = 'alain.keyboard@example.com';
  const since = new Date().toISOString();
  await kb.type(address);
  await kb.press('Enter');
  const codeInput = email.getByLabel(t.code_label, { exact: true });
  await expect(codeInput).toBeFocused();
  // Focus stays inside the dialog.
  for (let i = 0; i < 8; i++) {
    await kb.press('Tab');
    const inside = await page.evaluate(() => !!document.activeElement?.closest('dialog[open]'));
    const onPage = await page.evaluate(() => document.activeElement !== document.body);
    if (onPage) expect(inside).toBe(true);
  }
  await codeInput.focus();
  await kb.type(codeOf(await nextMail(server.url, address, since)));
  await kb.press('Enter');
  await expect(email).toBeHidden();
  await expect(add).toBeFocused();
  await expect(page.getByRole('status')).toHaveText(fill(t.method_added, { detail: address }));

  const del = page.getByRole('button', { name: new RegExp(`^${t.delete}`) });
  await tabTo(del);
  await kb.press('Enter');
  const confirm = page.getByRole('dialog', { name: t.delete_title });
  await expect(confirm).toBeVisible();
  await tabTo(confirm.getByRole('button', { name: t.yes, exact: true }));
  await kb.press('Enter');
  await expect(confirm).toBeHidden();
  await expect(page.getByTestId('methods-empty')).toBeVisible();
  await expect(page.locator(':focus')).toHaveCount(1);
  await page.context().close();
});

test('at 320 px the navigation folds into a menu and nothing scrolls sideways', async ({ browser, policy }) => {
  const page = await freshPage(browser, policy, { viewport: { width: 320, height: 640 } });
  const t = messages('nl');
  await page.goto(`${server.url}/signin?lang=nl`);
  await page.getByLabel(t.signin_username).fill(MEGAN);
  await page.getByLabel(t.signin_password, { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: t.signin_submit }).click();
  await expect(page.getByRole('heading', { level: 1, name: t.overview_title })).toBeVisible();
  const menu = page.getByRole('button', { name: t.nav_menu });
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await expect(page.getByRole('navigation').getByRole('link', { name: t.nav_security_info })).toBeHidden();
  await menu.click();
  await expect(menu).toHaveAttribute('aria-expanded', 'true');
  await page.getByRole('navigation').getByRole('link', { name: t.nav_security_info }).click();
  await expect(page.getByRole('heading', { level: 1, name: t.security_title })).toBeVisible();
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.getByRole('button', { name: t.add_method }).click();
  const dialog = page.getByRole('dialog', { name: t.add_title });
  await expect(dialog).toBeVisible();
  const box = await dialog.boundingBox();
  expect(box && box.x >= 0 && box.x + box.width <= 320).toBe(true);
  await expectAccessible(page, 'narrow, dialog');
  await page.context().close();
});
