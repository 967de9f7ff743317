// Self-service password reset, as a user meets it: "Forgot your password?" on the sign-in page,
// Who are you?, How do you want to verify? (the organization's ways), then the way: the whole
// email address registered (code from the development mailbox), the phone number (code from the
// SMS gateway receiver), an authenticator app's code (an independent TOTP implementation), or
// a security key (Chromium's virtual authenticator);
// with two gates, "Verify another way" with a masked hint; then Choose a new password, checked by
// the server while typing, and Done. A wrong address gets the same "if it is registered" step, a
// wrong code says how many tries are left; afterwards the new password signs in and the old one
// does not. English and Dutch, axe in every new state, the keyboard alone, 320 px, and inside the
// example portal's frame. Every test has a server of its own.
import { type Page } from '@playwright/test';
import { expect, test } from '../support/test';
import { startServer, sql, ALAIN, DEMO_PASSWORD, MEGAN, type RunningServer } from '../support/server';
import { startSmsGateway, codeIn, type SmsGateway } from '../support/sms';
import {
  codeOf,
  cutWords,
  expectAccessible,
  fill,
  messages,
  nextMail,
  openSecurityInfo,
  signIn,
  startAddingEmail,
  type Lang,
  type Messages,
} from '../support/app';
import { addAuthenticatorApp, addSecurityKey, signOut } from '../support/two-step';
import { plugKey } from '../support/webauthn';
import { PORTAL_DIR, serveStatic, startEmbeddedServer } from '../support/embed';

/** A strong password nobody has used. */
const NEW_PASSWORD = 'Tulpen bloeien laat in april';

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

/** A server of this test's own. */
async function freshServer(env: Record<string, string> = {}): Promise<string> {
  server = await startServer({
    SECURITY_INFO_SMS_GATEWAY_URL: gateway.url,
    SECURITY_INFO_SMS_GATEWAY_SECRET: gateway.secret,
    ...env,
  });
  return server.url;
}

/** On Security info: adds `address` as an email method with the mailed code. */
async function addEmail(page: Page, url: string, t: Messages, address: string): Promise<void> {
  const code = await startAddingEmail(page, url, t, address);
  const dialog = page.getByRole('dialog', { name: t.method_type_email });
  await dialog.getByLabel(t.code_label, { exact: true }).fill(code);
  await dialog.getByRole('button', { name: t.next }).click();
  await expect(dialog).toBeHidden();
}

/** On Security info: adds a mobile phone (+31 6 12345678) by text; the code from the gateway. */
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

/** The step whose heading is `title`: visible and focused. */
async function expectStep(page: Page, title: string): Promise<void> {
  const heading = page.getByRole('heading', { level: 1, name: title });
  await expect(heading).toBeVisible();
  await expect(heading).toBeFocused();
}

/** From the sign-in page: Forgot your password? -> Who are you? -> `user` -> the ways. */
async function startReset(page: Page, t: Messages, user: string): Promise<void> {
  await page.getByRole('link', { name: t.reset_forgot }).click();
  await expect(page.getByRole('heading', { level: 1, name: t.reset_who_title })).toBeVisible();
  await page.getByLabel(t.signin_username).fill(user);
  await page.getByRole('button', { name: t.next }).click();
  await expectStep(page, t.reset_choose_title);
}

/** Choose a new password: the new one twice, then Done. */
async function choosePassword(page: Page, t: Messages): Promise<void> {
  await expectStep(page, t.reset_password_title);
  await page.getByLabel(t.reset_password_label, { exact: true }).fill(NEW_PASSWORD);
  await expect(page.locator('#reset-password-check')).toHaveText(t.reset_password_ok);
  await page.getByLabel(t.reset_password_confirm_label).fill(NEW_PASSWORD);
  await page.getByRole('button', { name: t.reset_password_submit }).click();
  await expectStep(page, t.reset_done_title);
  await expect(page.getByText(t.reset_done_text)).toBeVisible();
}

/** Done -> Sign in: the old password is refused, the new one signs in. */
async function signInAfterReset(page: Page, t: Messages, user: string): Promise<void> {
  await page.getByRole('link', { name: t.reset_done_sign_in }).click();
  await expect(page.getByRole('heading', { level: 1, name: t.signin_title })).toBeVisible();
  await page.getByLabel(t.signin_username).fill(user);
  await page.getByLabel(t.signin_password, { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: t.signin_submit }).click();
  await expect(page.getByRole('alert')).toHaveText(t.problem_invalid_credentials);
  await page.getByLabel(t.signin_password, { exact: true }).fill(NEW_PASSWORD);
  await page.getByRole('button', { name: t.signin_submit }).click();
}

const runs: { lang: Lang; user: string; address: string }[] = [
  { lang: 'en', user: ALAIN, address: 'alain@gmail.com' },
  { lang: 'nl', user: MEGAN, address: 'megan.private@example.org' },
];

for (const { lang, user, address } of runs) {
  test(`a code to the registered email address resets the password; a wrong address and code look the same (${lang})`, async ({
    page,
  }) => {
    test.setTimeout(120_000);
    const url = await freshServer();
    let t = await signIn(page, url, user, lang);
    await openSecurityInfo(page, t);
    await addEmail(page, url, t, address);
    await signOut(page, t);
    t = messages(lang);

    await expect(page.getByText(t.signed_out)).toBeVisible();
    await page.getByRole('link', { name: t.reset_forgot }).click();
    await expect(page.getByRole('heading', { level: 1, name: t.reset_who_title })).toBeVisible();
    // The sign-out notice stays behind on the sign-in page.
    await expect(page.getByText(t.signed_out)).toHaveCount(0);
    await expectAccessible(page, 'reset: who are you');
    // Nothing typed: said at the field.
    await page.getByRole('button', { name: t.next }).click();
    await expect(page.getByText(t.reset_error_username)).toBeVisible();
    await expect(page.getByLabel(t.signin_username)).toBeFocused();
    await page.getByLabel(t.signin_username).fill(user);
    await page.getByRole('button', { name: t.next }).click();
    await expectStep(page, t.reset_choose_title);
    // The organization's ways, in order, the first chosen.
    const ways = page.getByRole('radio');
    await expect(ways).toHaveCount(4);
    await expect(page.getByRole('radio', { name: t.reset_way_app })).toBeChecked();
    await expectAccessible(page, 'reset: how do you want to verify');

    // An address the account does not have: the same "if it is registered" step.
    await page.getByRole('radio', { name: t.reset_way_email }).check();
    await page.getByRole('button', { name: t.next }).click();
    await expectStep(page, t.reset_email_title);
    await expectAccessible(page, 'reset: email address');
    await page.getByLabel(t.reset_email_label).fill('someone.else@example.org');
    await page.getByRole('button', { name: t.next }).click();
    await expectStep(page, t.reset_code_title);
    await expect(page.getByText(fill(t.reset_code_sent_email, { destination: 'someone.else@example.org' }))).toBeVisible();
    await expect(page.getByLabel(t.code_label, { exact: true })).toHaveAttribute('autocomplete', 'one-time-code');
    await expectAccessible(page, 'reset: code');
    // A wrong code: how many tries are left.
    await page.getByLabel(t.code_label, { exact: true }).fill('000000');
    await page.getByRole('button', { name: t.verify }).click();
    await expect(page.getByText(fill(t.problem_code_incorrect, { attempts: 4 }))).toBeVisible();
    await expect(page.getByLabel(t.code_label, { exact: true })).toBeFocused();
    await expectAccessible(page, 'reset: wrong code');

    // The same address again at once: too soon for a new code, said at the field.
    await page.getByRole('button', { name: t.back }).click();
    await expectStep(page, t.reset_choose_title);
    await page.getByRole('radio', { name: t.reset_way_email }).check();
    await page.getByRole('button', { name: t.next }).click();
    await page.getByLabel(t.reset_email_label).fill('someone.else@example.org');
    await page.getByRole('button', { name: t.next }).click();
    const tooSoon = t.problem_resend_too_soon.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('\\{seconds\\}', '\\d+');
    await expect(page.locator('#reset-email-error')).toHaveText(new RegExp(`^${tooSoon}$`));
    await expect(page.getByLabel(t.reset_email_label)).toBeFocused();
    await expectAccessible(page, 'reset: too soon');

    // Back, the registered address: a code arrives.
    await page.getByRole('button', { name: t.back }).click();
    await expectStep(page, t.reset_choose_title);
    await page.getByRole('radio', { name: t.reset_way_email }).check();
    await page.getByRole('button', { name: t.next }).click();
    const startedAt = new Date().toISOString();
    await page.getByLabel(t.reset_email_label).fill(address);
    await page.getByRole('button', { name: t.next }).click();
    await expect(page.getByText(fill(t.reset_code_sent_email, { destination: address }))).toBeVisible();
    const code = codeOf(await nextMail(url, address, startedAt));
    // A new code only after the cooldown.
    await expect(page.getByRole('button', { name: t.resend })).toHaveAttribute('aria-disabled', 'true');
    await expect(page.locator('#reset-resend-wait')).toBeVisible();
    await page.getByLabel(t.code_label, { exact: true }).fill(code);
    await page.getByRole('button', { name: t.verify }).click();

    // The new password: the policy while typing, a mismatch in the browser.
    await expectStep(page, t.reset_password_title);
    await expect(page.getByText(fill(t.reset_password_rules, { min: 12 }))).toBeVisible();
    const password = page.getByLabel(t.reset_password_label, { exact: true });
    await password.fill('password1234');
    await expect(page.locator('#reset-password-check')).toHaveText(
      `${t.problem_password_too_weak} ${t.reset_reason_common_password}`,
    );
    await expect(password).toHaveAttribute('aria-invalid', 'true');
    await expectAccessible(page, 'reset: weak password');
    await password.fill('short');
    await expect(page.locator('#reset-password-check')).toHaveText(t.problem_password_too_short);
    await password.fill(NEW_PASSWORD);
    await expect(page.locator('#reset-password-check')).toHaveText(t.reset_password_ok);
    await page.getByLabel(t.reset_password_confirm_label).fill(`${NEW_PASSWORD}!`);
    await page.getByRole('button', { name: t.reset_password_submit }).click();
    await expect(page.getByText(t.reset_password_error_mismatch)).toBeVisible();
    await expect(page.getByLabel(t.reset_password_confirm_label)).toBeFocused();
    await page.getByLabel(t.reset_password_confirm_label).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: t.reset_password_submit }).click();
    await expectStep(page, t.reset_done_title);
    await expect(page.getByText(t.reset_done_text)).toBeVisible();
    await expectAccessible(page, 'reset: done');

    await signInAfterReset(page, t, user);
    await expect(page.getByRole('heading', { level: 1, name: t.overview_title })).toBeVisible();
  });
}

test('an authenticator app resets the password; a wrong code says how many tries are left', async ({ page }) => {
  test.setTimeout(120_000);
  const url = await freshServer();
  const t = await signIn(page, url, ALAIN, 'en');
  await openSecurityInfo(page, t);
  const app = await addAuthenticatorApp(page, t);
  await signOut(page, t);

  await startReset(page, t, ALAIN);
  await page.getByRole('radio', { name: t.reset_way_app }).check();
  await page.getByRole('button', { name: t.next }).click();
  await expectStep(page, t.reset_app_title);
  await expectAccessible(page, 'reset: app code');
  const code = page.getByLabel(t.code_label, { exact: true });
  await code.fill(app.wrongCode());
  await page.getByRole('button', { name: t.verify }).click();
  await expect(page.getByText(fill(t.app_code_incorrect, { attempts: 4 }))).toBeVisible();
  await expectAccessible(page, 'reset: wrong app code');

  // A reset that ran out goes back to the first step, saying why, with the address kept.
  sql(server!, `update password_reset set expires_at = '2000-01-01T00:00:00.000Z';`);
  await code.fill(app.wrongCode());
  await page.getByRole('button', { name: t.verify }).click();
  await expectStep(page, t.reset_who_title);
  await expect(page.getByRole('alert')).toHaveText(t.problem_reset_expired);
  await expect(page.getByLabel(t.signin_username)).toHaveValue(ALAIN);
  await expectAccessible(page, 'reset: ended');
  await page.getByRole('button', { name: t.next }).click();
  await expectStep(page, t.reset_choose_title);
  await page.getByRole('radio', { name: t.reset_way_app }).check();
  await page.getByRole('button', { name: t.next }).click();
  await code.fill(await app.freshCode());
  await page.getByRole('button', { name: t.verify }).click();
  await choosePassword(page, t);
  await signInAfterReset(page, t, ALAIN);
  // The app is a two-step method: the second step follows the new password.
  await expect(page.getByRole('heading', { level: 1, name: t.second_step_title })).toBeVisible();
});

test('a security key resets the password; a key without the credential says so with Try again', async ({ page }) => {
  test.setTimeout(180_000);
  // WebAuthn needs a host name: the server as localhost.
  const url = (await freshServer()).replace('127.0.0.1', 'localhost');
  const t = await signIn(page, url, ALAIN, 'en');
  const key = await plugKey(page);
  await openSecurityInfo(page, t);
  await addSecurityKey(page, t, 'Blue key');
  // The length of the ids the server gives stand-in keys (names without a key).
  const { credentials } = await key.cdp.send('WebAuthn.getCredentials', { authenticatorId: key.authenticatorId });
  expect(Buffer.from((credentials[0] as { credentialId: string }).credentialId, 'base64').length).toBe(32);
  await signOut(page, t);

  await startReset(page, t, ALAIN);
  await page.getByRole('radio', { name: t.reset_way_key }).check();
  await expectAccessible(page, 'reset: security key chosen');
  // Next opens the browser's prompt at once; the key answers it.
  await page.getByRole('button', { name: t.next }).click();
  await choosePassword(page, t);
  await signInAfterReset(page, t, ALAIN);
  // The key is a two-step method: the second step follows the new password.
  await expect(page.getByRole('heading', { level: 1, name: t.second_step_title })).toBeVisible();

  // Another authenticator, without the registered credential: the browser finds nothing to
  // use and the page says so, with Try again.
  await key.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: key.authenticatorId });
  await plugKey(page);
  await page.goto(`${url}/reset-password`);
  await page.getByLabel(t.signin_username).fill(ALAIN);
  await page.getByRole('button', { name: t.next }).click();
  await expectStep(page, t.reset_choose_title);
  await page.getByRole('radio', { name: t.reset_way_key }).check();
  await page.getByRole('button', { name: t.next }).click();
  await expect(page.getByRole('heading', { level: 1, name: t.reset_key_title })).toBeVisible();
  await expect(page.getByText(t.reset_key_text)).toBeVisible();
  await expect(page.getByRole('alert')).toHaveText(t.key_error_cancelled, { timeout: 70_000 });
  await expect(page.getByRole('button', { name: t.try_again })).toBeFocused();
  await expectAccessible(page, 'reset: security key cancelled');
});

test('a texted code to the registered number resets the password (nl)', async ({ page }) => {
  test.setTimeout(120_000);
  const url = await freshServer();
  let t = await signIn(page, url, MEGAN, 'nl');
  await openSecurityInfo(page, t);
  await addMobilePhone(page, t);
  await signOut(page, t);
  t = messages('nl');

  await startReset(page, t, MEGAN);
  await page.getByRole('radio', { name: t.reset_way_phone }).check();
  await page.getByRole('button', { name: t.next }).click();
  await expectStep(page, t.reset_phone_title);
  await expect(page.getByLabel(t.phone_region_label)).toHaveValue('NL');
  await expectAccessible(page, 'reset: phone');
  await page.getByLabel(t.phone_number_label).fill('06 12345678');
  await page.getByRole('button', { name: t.next }).click();
  await expectStep(page, t.reset_code_title);
  await expect(page.getByText(fill(t.reset_code_sent_sms, { destination: '+31 6 12345678' }))).toBeVisible();
  await page.getByLabel(t.code_label, { exact: true }).fill(codeIn(await gateway.nextMessage('+31612345678')));
  await page.getByRole('button', { name: t.verify }).click();
  await choosePassword(page, t);
  await signInAfterReset(page, t, MEGAN);
  await expect(page.getByRole('heading', { level: 1, name: t.second_step_title })).toBeVisible();
});

test('with two gates, the second asks for another way and names what it would use', async ({ page }) => {
  test.setTimeout(120_000);
  const url = await freshServer({ SECURITY_INFO_RESET_GATES: '2' });
  const t = await signIn(page, url, ALAIN, 'en');
  await openSecurityInfo(page, t);
  await addEmail(page, url, t, 'alain@gmail.com');
  const app = await addAuthenticatorApp(page, t);
  await signOut(page, t);

  await startReset(page, t, ALAIN);
  // Before a gate: no hints.
  await expect(page.getByRole('radio', { name: t.reset_way_email, exact: true })).toBeVisible();
  await page.getByRole('radio', { name: t.reset_way_app }).check();
  await page.getByRole('button', { name: t.next }).click();
  await page.getByLabel(t.code_label, { exact: true }).fill(await app.freshCode());
  await page.getByRole('button', { name: t.verify }).click();

  await expectStep(page, t.reset_another_title);
  await expect(page.getByText(fill(t.reset_another_text, { passed: t.method_type_authenticator_app }))).toBeVisible();
  await expect(page.getByRole('radio', { name: t.reset_way_app })).toHaveCount(0);
  const email = page.getByRole('radio', {
    name: fill(t.reset_way_with_hint, { way: t.reset_way_email, hint: 'a***@gmail.com' }),
  });
  await expect(email).toBeVisible();
  await expectAccessible(page, 'reset: verify another way');
  await email.check();
  await page.getByRole('button', { name: t.next }).click();
  const startedAt = new Date().toISOString();
  await page.getByLabel(t.reset_email_label).fill('alain@gmail.com');
  await page.getByRole('button', { name: t.next }).click();
  await page.getByLabel(t.code_label, { exact: true }).fill(codeOf(await nextMail(url, 'alain@gmail.com', startedAt)));
  await page.getByRole('button', { name: t.verify }).click();
  await choosePassword(page, t);
  await signInAfterReset(page, t, ALAIN);
  await expect(page.getByRole('heading', { level: 1, name: t.second_step_title })).toBeVisible();
});

test('security questions reset the password; a wrong answer says how many tries are left', async ({ page }) => {
  test.setTimeout(120_000);
  const url = await freshServer({ SECURITY_INFO_ALLOWED_METHODS: 'email,securityQuestions' });
  const t = await signIn(page, url, ALAIN, 'en');
  await openSecurityInfo(page, t);
  await page.getByRole('button', { name: t.add_method }).click();
  const choose = page.getByRole('dialog', { name: t.add_title });
  await choose.getByLabel(t.add_question).selectOption({ label: t.method_type_security_questions });
  await choose.getByRole('button', { name: t.add_submit }).click();
  const dialog = page.getByRole('dialog', { name: t.method_type_security_questions });
  await dialog.getByRole('button', { name: t.next }).click();
  const groups = dialog.getByRole('group');
  await expect(groups.first()).toBeVisible();
  const options = await groups.first().getByLabel(t.questions_choose).locator('option').allTextContents();
  const answers = new Map<string, string>();
  const given = ['Rex the dog', 'Pippi Langkous', 'De Klimop', 'Zandvoort aan zee', 'Blauwe fiets'];
  const count = await groups.count();
  for (let n = 0; n < count; n++) {
    const group = groups.nth(n);
    await group.getByLabel(t.questions_choose).selectOption({ label: options[n + 1] });
    await group.getByLabel(t.questions_answer_label).fill(given[n]);
    answers.set(options[n + 1], given[n]);
  }
  await dialog.getByRole('button', { name: t.done }).click();
  await expect(dialog).toBeHidden();
  await signOut(page, t);

  await startReset(page, t, ALAIN);
  await page.getByRole('radio', { name: t.reset_way_questions }).check();
  await page.getByRole('button', { name: t.next }).click();
  await expectStep(page, t.reset_questions_title);
  await expectAccessible(page, 'reset: security questions');
  const fields = page.locator('input[id^="reset-answer-"]');
  const asked = await fields.count();
  expect(asked).toBeGreaterThan(0);
  // Every answer wrong: the same refusal as a wrong code.
  for (let n = 0; n < asked; n++) await fields.nth(n).fill('Not my answer');
  await page.getByRole('button', { name: t.verify }).click();
  await expect(page.getByRole('alert')).toHaveText(fill(t.problem_code_incorrect, { attempts: 4 }));
  await expectAccessible(page, 'reset: wrong answers');
  for (let n = 0; n < asked; n++) {
    const id = await fields.nth(n).getAttribute('id');
    const question = ((await page.locator(`label[for="${id}"]`).textContent()) ?? '').trim();
    const answer = answers.get(question);
    expect(answer, `an answer to "${question}"`).toBeDefined();
    await fields.nth(n).fill(answer!);
  }
  await page.getByRole('button', { name: t.verify }).click();
  await choosePassword(page, t);
  await signInAfterReset(page, t, ALAIN);
  await expect(page.getByRole('heading', { level: 1, name: t.overview_title })).toBeVisible();
});

test('the whole reset works with the keyboard alone, and fits 320 px in Dutch', async ({ page }) => {
  test.setTimeout(120_000);
  const url = await freshServer();
  let t = await signIn(page, url, ALAIN, 'nl');
  await openSecurityInfo(page, t);
  await addEmail(page, url, t, 'alain@gmail.com');
  await signOut(page, t);
  t = messages('nl');
  await page.setViewportSize({ width: 320, height: 720 });

  const noSideways = async () => {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await cutWords(page.locator('main'))).toEqual([]);
  };
  // Sign-in page: Tab to "Forgot your password?" and follow it.
  const forgot = page.getByRole('link', { name: t.reset_forgot });
  for (let i = 0; i < 20 && !(await forgot.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press('Tab');
  }
  await expect(forgot).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: t.reset_who_title })).toBeVisible();
  await noSideways();
  // The heading, then the address field.
  await page.getByRole('heading', { level: 1, name: t.reset_who_title }).focus();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel(t.signin_username)).toBeFocused();
  await page.keyboard.type(ALAIN);
  await page.keyboard.press('Enter');
  await expectStep(page, t.reset_choose_title);
  await noSideways();
  // Into the radio group (the first way is checked), arrows to the email way.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('radio', { name: t.reset_way_app })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('radio', { name: t.reset_way_email })).toBeChecked();
  await page.keyboard.press('Enter');
  await expectStep(page, t.reset_email_title);
  await noSideways();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel(t.reset_email_label)).toBeFocused();
  const startedAt = new Date().toISOString();
  await page.keyboard.type('alain@gmail.com');
  await page.keyboard.press('Enter');
  await expectStep(page, t.reset_code_title);
  await noSideways();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel(t.code_label, { exact: true })).toBeFocused();
  await page.keyboard.type(codeOf(await nextMail(url, 'alain@gmail.com', startedAt)));
  await page.keyboard.press('Enter');
  await expectStep(page, t.reset_password_title);
  await noSideways();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel(t.reset_password_label, { exact: true })).toBeFocused();
  await page.keyboard.type(NEW_PASSWORD);
  await expect(page.locator('#reset-password-check')).toHaveText(t.reset_password_ok);
  await page.keyboard.press('Tab');
  await expect(page.getByLabel(t.reset_password_confirm_label)).toBeFocused();
  await page.keyboard.type(NEW_PASSWORD);
  await page.keyboard.press('Enter');
  await expectStep(page, t.reset_done_title);
  await noSideways();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: t.reset_done_sign_in })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: t.signin_title })).toBeVisible();
});

test('the reset runs inside the example portal on the same site', async ({ page }) => {
  test.setTimeout(120_000);
  // A portal on the app's own site (another port of localhost): the reset's cookie goes with
  // the framed app's requests as it would on portal.contoso.example and security.contoso.example.
  const portal = await serveStatic(PORTAL_DIR, 'localhost');
  const app = await startEmbeddedServer({ SECURITY_INFO_EMBED_ORIGINS: portal.origin });
  try {
    const t = await signIn(page, app.url, ALAIN, 'en');
    await openSecurityInfo(page, t);
    // Mail is read from the server's own mailbox address.
    const code = await startAddingEmail(page, app.apiUrl, t, 'alain@gmail.com');
    const dialog = page.getByRole('dialog', { name: t.method_type_email });
    await dialog.getByLabel(t.code_label, { exact: true }).fill(code);
    await dialog.getByRole('button', { name: t.next }).click();
    await expect(dialog).toBeHidden();
    await signOut(page, t);

    const appUrl = `${app.url}/reset-password?embed=1`;
    await page.goto(`${portal.origin}/?app=${encodeURIComponent(appUrl)}`);
    const frame = page.frameLocator('#security-info');
    await expect(frame.getByRole('heading', { level: 1, name: t.reset_who_title })).toBeVisible();
    // Embedded look: no header of its own.
    await expect(frame.getByRole('banner')).toHaveCount(0);
    await frame.getByLabel(t.signin_username).fill(ALAIN);
    await frame.getByRole('button', { name: t.next }).click();
    await frame.getByRole('radio', { name: t.reset_way_email }).check();
    await frame.getByRole('button', { name: t.next }).click();
    const startedAt = new Date().toISOString();
    await frame.getByLabel(t.reset_email_label).fill('alain@gmail.com');
    await frame.getByRole('button', { name: t.next }).click();
    await frame
      .getByLabel(t.code_label, { exact: true })
      .fill(codeOf(await nextMail(app.apiUrl, 'alain@gmail.com', startedAt)));
    await frame.getByRole('button', { name: t.verify }).click();
    await expect(frame.getByRole('heading', { level: 1, name: t.reset_password_title })).toBeVisible();
    await frame.getByLabel(t.reset_password_label, { exact: true }).fill(NEW_PASSWORD);
    await expect(frame.locator('#reset-password-check')).toHaveText(t.reset_password_ok);
    await frame.getByLabel(t.reset_password_confirm_label).fill(NEW_PASSWORD);
    await frame.getByRole('button', { name: t.reset_password_submit }).click();
    await expect(frame.getByRole('heading', { level: 1, name: t.reset_done_title })).toBeVisible();
    await expect(frame.getByText(t.reset_done_text)).toBeVisible();
  } finally {
    await app.stop();
    await portal.stop();
  }
});
