// The help article's flow, in English and in Dutch: sign in, overview -> Security info, add an
// email with the code from the mail, see it listed (also after a reload), delete it, see it gone.
import { expect, test } from '../support/test';
import { startServer, ALAIN, MEGAN, type RunningServer } from '../support/server';
import {
  exact,
  fill,
  messages,
  nextMail,
  openSecurityInfo,
  signIn,
  startAddingEmail,
  type Lang,
} from '../support/app';

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server.stop();
});

const runs: { lang: Lang; user: string; address: string; subject: RegExp }[] = [
  { lang: 'en', user: ALAIN, address: 'alain@gmail.com', subject: /verification code/i },
  { lang: 'nl', user: MEGAN, address: 'megan.private@example.org', subject: /verificatiecode/i },
];

for (const { lang, user, address, subject } of runs) {
  test(`adds and deletes an email address with the mailed code (${lang})`, async ({ page }) => {
    const t = await signIn(page, server.url, user, lang);
    await expect(page.locator('html')).toHaveAttribute('lang', lang);
    await expect(page.getByText(user)).toBeVisible();

    // Overview -> Security info, by the Security info block; the nav knows it too.
    await openSecurityInfo(page, t);
    await expect(page.getByRole('navigation').getByRole('link', { name: t.nav_security_info })).toHaveAttribute(
      'aria-current',
      'page',
    );
    await expect(page.getByTestId('methods-empty')).toHaveText(t.methods_empty);
    // The article's table: email serves password reset only (as security questions would).
    const emailRow = page
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: t.method_type_email, exact: true }) });
    await expect(emailRow.getByRole('cell', { name: t.usage_password_reset_only_long })).toBeVisible();

    // Add method -> Email -> address -> code (pasted with a space, as mail apps copy it).
    const code = await startAddingEmail(page, server.url, t, address);
    const mail = await nextMail(server.url, address);
    expect(mail.subject).toMatch(subject);
    const dialog = page.getByRole('dialog', { name: t.method_type_email });
    await dialog.getByLabel(t.code_label, { exact: true }).fill(`${code.slice(0, 3)} ${code.slice(3)}`);
    await expect(dialog.getByLabel(t.code_label, { exact: true })).toHaveValue(code);
    await dialog.getByRole('button', { name: t.next }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('status')).toHaveText(fill(t.method_added, { detail: address }));
    const list = page.getByRole('list', { name: t.methods_label });
    await expect(list.getByRole('listitem')).toHaveCount(1);
    await expect(list.getByText(address)).toBeVisible();
    await expect(list.getByText(t.usage_password_reset_only, { exact: true })).toBeVisible();
    // Focus went back to the button that opened the dialog.
    await expect(page.getByRole('button', { name: t.add_method })).toBeFocused();

    // A reload keeps the session, the page, the language and the method.
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: t.security_title })).toBeVisible();
    await expect(list.getByText(address)).toBeVisible();

    // One email is all an account may have: Add method no longer offers it, only the others.
    await page.getByRole('button', { name: t.add_method }).click();
    const choose = page.getByRole('dialog', { name: t.add_title });
    const types = choose.getByLabel(t.add_question).locator('option');
    await expect(types.filter({ hasText: t.method_type_authenticator_app })).toHaveCount(1);
    await expect(types.filter({ hasText: t.method_type_email })).toHaveCount(0);
    await choose.getByRole('button', { name: t.cancel }).click();
    await expect(choose).toBeHidden();

    // Delete -> Yes.
    const deleteLabel = fill(t.delete_link_label, { method: t.method_type_email, detail: address });
    await list.getByRole('button', { name: exact(deleteLabel) }).click();
    const confirm = page.getByRole('dialog', { name: t.delete_title });
    await expect(confirm.getByText(fill(t.delete_question, { method: t.method_type_email, detail: address }))).toBeVisible();
    await expect(confirm.getByText(t.delete_warning)).toBeVisible();
    await confirm.getByRole('button', { name: t.yes, exact: true }).click();
    await expect(confirm).toBeHidden();
    await expect(page.getByRole('status')).toHaveText(fill(t.method_deleted, { detail: address }));
    await expect(page.getByTestId('methods-empty')).toBeVisible();
    await expect(page.locator('.method-detail', { hasText: address })).toHaveCount(0);

    // The activity page lists what happened.
    await page.getByRole('navigation').getByRole('link', { name: t.nav_activity }).click();
    await expect(page.getByRole('heading', { level: 1, name: t.activity_title })).toBeVisible();
    await expect(page.getByRole('status')).toHaveText('');
    await expect(page.getByText(t.activity_kind_method_added, { exact: true })).toBeVisible();
    await expect(page.getByText(t.activity_kind_method_deleted, { exact: true })).toBeVisible();

    // Sign out returns to sign-in; the pages are closed afterwards.
    await page.getByRole('button', { name: t.sign_out }).click();
    await expect(page.getByRole('heading', { level: 1, name: t.signin_title })).toBeVisible();
    await expect(page.getByRole('status')).toHaveText(t.signed_out);
    await page.goto(`${server.url}/security-info`);
    await expect(page.getByRole('heading', { level: 1, name: t.signin_title })).toBeVisible();
  });
}

test('the language switcher changes every text and is kept after a reload', async ({ page }) => {
  const en = await signIn(page, server.url, ALAIN, 'en');
  await page.getByLabel(en.language_label).selectOption('nl');
  const nl = messages('nl');
  await expect(page.getByRole('heading', { level: 1, name: nl.overview_title })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'nl');
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: nl.overview_title })).toBeVisible();
  await page.getByLabel(nl.language_label).selectOption('en');
  await expect(page.getByRole('heading', { level: 1, name: en.overview_title })).toBeVisible();
});

test('when every allowed type is added, Add method says to delete one first', async ({ page }) => {
  const emailOnly = await startServer({ SECURITY_INFO_ALLOWED_METHODS: 'email' });
  try {
    const t = await signIn(page, emailOnly.url, ALAIN, 'en');
    await openSecurityInfo(page, t);
    const code = await startAddingEmail(page, emailOnly.url, t, 'alain@gmail.com');
    const email = page.getByRole('dialog', { name: t.method_type_email });
    await email.getByLabel(t.code_label, { exact: true }).fill(code);
    await email.getByRole('button', { name: t.next }).click();
    await expect(email).toBeHidden();
    await page.getByRole('button', { name: t.add_method }).click();
    const full = page.getByRole('dialog', { name: t.add_title });
    await expect(full.getByText(t.add_none_left)).toBeVisible();
    await expect(full.getByRole('combobox')).toHaveCount(0);
    await full.getByRole('button', { name: t.cancel }).click();
    await expect(full).toBeHidden();
  } finally {
    await emailOnly.stop();
  }
});

test('sign-in errors are shown inline and a wrong password says so', async ({ page }) => {
  await page.goto(`${server.url}/signin?lang=en`);
  const t = messages('en');
  await page.getByRole('button', { name: t.signin_submit }).click();
  await expect(page.getByText(t.signin_required_username)).toBeVisible();
  await expect(page.getByLabel(t.signin_username)).toBeFocused();
  await expect(page.getByLabel(t.signin_username)).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel(t.signin_username).fill(ALAIN);
  await page.getByLabel(t.signin_password, { exact: true }).fill('not-the-password');
  await page.getByRole('button', { name: t.signin_submit }).click();
  await expect(page.getByRole('alert')).toHaveText(t.problem_invalid_credentials);
  await expect(page.getByLabel(t.signin_password, { exact: true })).toBeFocused();
});

test('an unknown page says so', async ({ page }) => {
  await page.goto(`${server.url}/no-such-page?lang=nl`);
  await expect(page.getByRole('heading', { level: 1, name: messages('nl').not_found_title })).toBeVisible();
});
