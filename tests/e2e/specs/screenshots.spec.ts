// Screenshots for the README (docs/screenshots/): the Security info page with methods, the code
// dialog, the authenticator app's setup, the phone form (its text kept in the development
// mailbox) and naming a security key (Chromium's virtual
// authenticator; the app is opened as localhost, the name WebAuthn accepts), then the password
// reset: How do you want to verify?, and Choose a new password with the server's reason for a
// weak one. Only with SECURITY_INFO_SCREENSHOTS=1, so test runs never rewrite tracked files.
import { expect, test } from '../support/test';
import { plugKey } from '../support/webauthn';
import * as OTPAuth from 'otpauth';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, ALAIN, type RunningServer } from '../support/server';
import { codeOf, fill, nextMail, openSecurityInfo, signIn, startAddingEmail } from '../support/app';
import { signOut } from '../support/two-step';

const outDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/screenshots');

test.skip(!process.env.SECURITY_INFO_SCREENSHOTS, 'set SECURITY_INFO_SCREENSHOTS=1 to refresh the README screenshots');

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

test('README screenshots', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  const page = await context.newPage();
  const t = await signIn(page, server.url.replace('127.0.0.1', 'localhost'), ALAIN, 'en');
  await openSecurityInfo(page, t);
  const code = await startAddingEmail(page, server.url, t, 'alain@gmail.com');
  const dialog = page.getByRole('dialog', { name: t.method_type_email });
  await dialog.getByLabel(t.code_label, { exact: true }).fill(code.slice(0, 3));
  await page.screenshot({ path: path.join(outDir, 'code-dialog.png') });
  await dialog.getByLabel(t.code_label, { exact: true }).fill(code);
  await dialog.getByRole('button', { name: t.next }).click();
  await expect(dialog).toBeHidden();

  await page.getByRole('button', { name: t.add_method }).click();
  const choose = page.getByRole('dialog', { name: t.add_title });
  await choose.getByLabel(t.add_question).selectOption({ label: t.method_type_authenticator_app });
  await choose.getByRole('button', { name: t.add_submit }).click();
  const app = page.getByRole('dialog', { name: t.method_type_authenticator_app });
  await app.getByRole('button', { name: t.next }).click();
  await app.getByRole('button', { name: t.app_cant_scan }).click();
  await expect(app.getByRole('img', { name: t.app_qr_alt }).locator('svg')).toBeVisible();
  await page.screenshot({ path: path.join(outDir, 'authenticator-app.png') });
  const secret = ((await app.getByTestId('app-secret').textContent()) ?? '').replace(/ /g, '');
  await app.getByRole('button', { name: t.next }).click();
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
  await app.getByLabel(t.code_label, { exact: true }).fill(totp.generate());
  await app.getByRole('button', { name: t.next }).click();
  await expect(app).toBeHidden();

  const textedAfter = new Date().toISOString();
  await page.getByRole('button', { name: t.add_method }).click();
  await choose.getByLabel(t.add_question).selectOption({ label: t.method_type_phone });
  await choose.getByRole('button', { name: t.add_submit }).click();
  const phone = page.getByRole('dialog', { name: t.method_type_phone });
  await phone.getByLabel(t.phone_region_label).selectOption('NL');
  await phone.getByLabel(t.phone_number_label).fill('06 12345678');
  await page.screenshot({ path: path.join(outDir, 'phone.png') });
  await phone.getByRole('button', { name: t.next }).click();
  const text = await nextMail(server.url, '+31612345678', textedAfter);
  const texted = text.text.match(/^(\d{6,10}) /);
  if (!texted) throw new Error(`no code in the text: ${text.text}`);
  await phone.getByLabel(t.code_label, { exact: true }).fill(texted[1]);
  await phone.getByRole('button', { name: t.next }).click();
  await expect(phone).toBeHidden();

  await plugKey(page);
  await page.getByRole('button', { name: t.add_method }).click();
  await choose.getByLabel(t.add_question).selectOption({ label: t.method_type_security_key });
  await choose.getByRole('button', { name: t.add_submit }).click();
  const key = page.getByRole('dialog', { name: t.method_type_security_key });
  await key.getByRole('button', { name: t.next }).click();
  await key.getByLabel(t.key_name_label).fill('YubiKey on my keyring');
  await page.screenshot({ path: path.join(outDir, 'security-key.png') });
  await key.getByRole('button', { name: t.done }).click();
  await expect(key).toBeHidden();
  await expect(page.getByRole('list', { name: t.methods_label })).toBeVisible();
  await page.screenshot({ path: path.join(outDir, 'security-info.png'), fullPage: true });

  await signOut(page, t);
  await page.getByRole('link', { name: t.reset_forgot }).click();
  await page.getByLabel(t.signin_username).fill(ALAIN);
  await page.getByRole('button', { name: t.next }).click();
  await expect(page.getByRole('heading', { level: 1, name: t.reset_choose_title })).toBeVisible();
  await page.getByRole('radio', { name: t.reset_way_email }).check();
  await page.screenshot({ path: path.join(outDir, 'reset-verify.png') });
  await page.getByRole('button', { name: t.next }).click();
  const resetAfter = new Date().toISOString();
  await page.getByLabel(t.reset_email_label).fill('alain@gmail.com');
  await page.getByRole('button', { name: t.next }).click();
  await page
    .getByLabel(t.code_label, { exact: true })
    .fill(codeOf(await nextMail(server.url, 'alain@gmail.com', resetAfter)));
  await page.getByRole('button', { name: t.verify }).click();
  await expect(page.getByText(fill(t.reset_password_rules, { min: 12 }))).toBeVisible();
  await page.getByLabel(t.reset_password_label, { exact: true }).fill('password1234');
  await expect(page.locator('#reset-password-check')).toHaveText(
    `${t.problem_password_too_weak} ${t.reset_reason_common_password}`,
  );
  await page.screenshot({ path: path.join(outDir, 'reset-password.png') });
  await context.close();
});
