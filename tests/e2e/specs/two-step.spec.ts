// Two-step verification at sign-in, as a user meets it: after the right password, "Verify your
// identity" with the default way first: the code of an authenticator app (computed by an
// independent TOTP implementation), a security key (Chromium's virtual authenticator), or a
// code texted to a phone (read from the SMS gateway receiver); "Sign in another way" for the
// others; a wrong code says how many tries are left; Cancel goes back to the password. English
// and Dutch, axe in every new state, the keyboard alone, and 320 px. Every test has a server of
// its own (fresh accounts), opened as localhost for WebAuthn.
import { type Page } from '@playwright/test';
import { expect, test } from '../support/test';
import { startServer, sql, ALAIN, DEMO_PASSWORD, MEGAN, type RunningServer } from '../support/server';
import { startSmsGateway, codeIn, type SmsGateway } from '../support/sms';
import { plugKey } from '../support/webauthn';
import { cutWords, exact, expectAccessible, fill, openSecurityInfo, signIn, type Lang, type Messages } from '../support/app';
import { addAuthenticatorApp, addSecurityKey, passwordStep, signOut } from '../support/two-step';

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

/** A server of this test's own, by the name WebAuthn accepts. */
async function freshServer(): Promise<string> {
  server = await startServer({
    SECURITY_INFO_SMS_GATEWAY_URL: gateway.url,
    SECURITY_INFO_SMS_GATEWAY_SECRET: gateway.secret,
    SECURITY_INFO_ALLOWED_METHODS: 'email,authenticatorApp,securityKey,phone',
  });
  return server.url.replace('127.0.0.1', 'localhost');
}

/** The answer to the next `POST /session/second-step`. */
function nextAnswer(page: Page) {
  return page.waitForResponse((r) => r.url().endsWith('/api/v1/session/second-step') && r.request().method() === 'POST');
}

async function expectOverview(page: Page, t: Messages): Promise<void> {
  await expect(page.getByRole('heading', { level: 1, name: t.overview_title })).toBeVisible();
}

/** Adds a mobile phone (+31 6 12345678) by text; the code comes from the gateway. */
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

for (const [lang, user] of [
  ['en', ALAIN],
  ['nl', MEGAN],
] as [Lang, string][]) {
  test(`an authenticator app's code is the second step; a wrong one says how many tries are left (${lang})`, async ({
    page,
  }) => {
    test.setTimeout(120_000);
    const url = await freshServer();
    let t = await signIn(page, url, user, lang);
    await openSecurityInfo(page, t);
    const app = await addAuthenticatorApp(page, t);
    await signOut(page, t);

    t = await passwordStep(page, url, user, lang);
    await expect(page.getByText(t.second_step_app_text)).toBeVisible();
    const code = page.getByLabel(t.code_label, { exact: true });
    await expect(code).toBeFocused();
    await expect(code).toHaveAttribute('autocomplete', 'one-time-code');
    // One way only and no recovery codes: nothing else to offer.
    await expect(page.getByRole('button', { name: t.second_step_another_way })).toHaveCount(0);
    await expectAccessible(page, 'second step: authenticator app');

    // The app's own check first: a short code never reaches the server.
    await code.fill('123');
    await page.getByRole('button', { name: t.verify }).click();
    await expect(page.getByText(fill(t.code_error_length, { length: 6 }))).toBeVisible();
    await expect(code).toBeFocused();

    const answered = nextAnswer(page);
    await code.fill(app.wrongCode());
    await page.getByRole('button', { name: t.verify }).click();
    const refusal = await answered;
    expect(refusal.status()).toBe(422);
    const problem = await refusal.json();
    expect(problem.code).toBe('code_incorrect');
    const attempts = problem.attemptsLeft as number;
    expect(attempts).toBeGreaterThan(0);
    const said = attempts === 1 ? t.app_code_incorrect_one : fill(t.app_code_incorrect, { attempts });
    await expect(page.getByText(said)).toBeVisible();
    await expect(code).toBeFocused();
    await expect(code).toHaveAttribute('aria-invalid', 'true');
    await expect(code).toHaveAttribute('aria-describedby', /second-step-code-error/);
    await expectAccessible(page, 'second step: wrong code');

    // A second step that ran out goes back to the password, saying why.
    sql(server!, `update second_step set expires_at = '2000-01-01T00:00:00Z' where status = 'pending';`);
    await code.fill(app.wrongCode());
    await page.getByRole('button', { name: t.verify }).click();
    const password = page.getByLabel(t.signin_password, { exact: true });
    await expect(page.getByRole('heading', { level: 1, name: t.signin_title })).toBeVisible();
    await expect(page.getByRole('alert')).toHaveText(t.problem_sign_in_expired);
    await expect(password).toBeFocused();
    await expect(password).toHaveValue('');
    await expect(page.getByLabel(t.signin_username)).toHaveValue(user);
    await expectAccessible(page, 'second step expired');

    // Cancel goes back to the password too.
    t = await passwordStep(page, url, user, lang);
    await page.getByRole('button', { name: t.cancel }).click();
    await expect(page.getByRole('heading', { level: 1, name: t.signin_title })).toBeVisible();
    await expect(password).toBeFocused();
    await expect(page.getByRole('alert')).toHaveCount(0);

    t = await passwordStep(page, url, user, lang);
    await page.getByLabel(t.code_label, { exact: true }).fill(await app.freshCode());
    await page.getByRole('button', { name: t.verify }).click();
    await expectOverview(page, t);

    // The app is the default sign-in method, named on Security info.
    await openSecurityInfo(page, t);
    const defaultName = `${t.method_type_authenticator_app} 1`;
    await expect(page.getByTestId('default-method')).toContainText(
      fill(t.default_method_line, {
        method: fill(t.method_and_detail, { method: t.method_type_authenticator_app, detail: defaultName }),
      }),
    );
    // Recent activity names the wrong answer.
    await page.getByRole('link', { name: t.nav_activity }).click();
    await expect(page.locator('.activity-kind').filter({ hasText: exact(t.activity_kind_second_step_failed) })).toHaveCount(1);
  });
}

test('a security key is the default; Sign in another way offers the app too, and a key without the credential is refused', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const url = await freshServer();
  let t = await signIn(page, url, ALAIN, 'en');
  const key = await plugKey(page);
  await openSecurityInfo(page, t);
  const app = await addAuthenticatorApp(page, t);
  await addSecurityKey(page, t, 'Blue key');
  // The strongest method is the default until the user chooses one.
  await expect(page.getByTestId('default-method')).toContainText(
    fill(t.method_and_detail, { method: t.method_type_security_key_listed, detail: 'Blue key' }),
  );
  await signOut(page, t);

  t = await passwordStep(page, url, ALAIN, 'en');
  await expect(page.getByText(t.second_step_key_text)).toBeVisible();
  const next = page.getByRole('button', { name: t.next });
  await expect(next).toBeFocused();
  await expectAccessible(page, 'second step: security key');

  // Another way: the list has both ways; the app's code works as well.
  await page.getByRole('button', { name: t.second_step_another_way }).click();
  const ways = page.getByRole('list', { name: t.second_step_choose });
  await expect(ways.getByRole('button')).toHaveText([t.second_step_way_key, t.second_step_way_app]);
  await expect(ways.getByRole('button', { name: t.second_step_way_key })).toBeFocused();
  await expectAccessible(page, 'second step: another way');
  await ways.getByRole('button', { name: t.second_step_way_app }).click();
  await expect(page.getByLabel(t.code_label, { exact: true })).toBeFocused();
  await page.getByLabel(t.code_label, { exact: true }).fill(await app.freshCode());
  await page.getByRole('button', { name: t.verify }).click();
  await expectOverview(page, t);
  await signOut(page, t);

  // The key itself.
  t = await passwordStep(page, url, ALAIN, 'en');
  await page.getByRole('button', { name: t.next }).click();
  await expectOverview(page, t);
  await signOut(page, t);

  // Another authenticator, without the registered credential: the browser finds nothing to
  // use and the page says so, with Try again.
  await key.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: key.authenticatorId });
  await plugKey(page);
  t = await passwordStep(page, url, ALAIN, 'en');
  await page.getByRole('button', { name: t.next }).click();
  await expect(page.getByRole('alert')).toHaveText(t.key_error_cancelled, { timeout: 70_000 });
  await expect(page.getByRole('button', { name: t.try_again })).toBeFocused();
  await expectAccessible(page, 'second step: key refused');
});

test('a phone gets its code by text when asked, with Resend code after the cooldown (nl)', async ({ page }) => {
  test.setTimeout(120_000);
  const url = await freshServer();
  let t = await signIn(page, url, MEGAN, 'nl');
  await openSecurityInfo(page, t);
  await addMobilePhone(page, t);
  await signOut(page, t);

  t = await passwordStep(page, url, MEGAN, 'nl');
  // Nothing is sent before the user asks: a text costs money and reaches a phone.
  // The number is masked: its country and last two digits.
  const destination = '+31 • ••••••78';
  await expect(page.locator('#second-step-text')).toHaveText(fill(t.second_step_sms_text, { destination }));
  const send = page.getByRole('button', { name: fill(t.second_step_send_sms, { destination }) });
  await expect(send).toBeFocused();
  await expectAccessible(page, 'second step: phone');
  await send.click();

  await expect(page.getByText(fill(t.code_sent_sms, { destination, length: 6 }))).toBeVisible();
  const code = page.getByLabel(t.code_label, { exact: true });
  await expect(code).toBeFocused();
  const text = await gateway.nextMessage('+31612345678');
  expect(text.language).toBe('nl');
  const resend = page.getByRole('button', { name: t.resend });
  await expect(resend).toHaveAttribute('aria-disabled', 'true');
  await expect(page.locator('#second-step-resend-wait')).toBeVisible();
  await expectAccessible(page, 'second step: phone code sent');
  await code.fill(codeIn(text));
  await page.getByRole('button', { name: t.verify }).click();
  await expectOverview(page, t);
});

test('the second step with the keyboard alone, through Sign in another way', async ({ page }) => {
  test.setTimeout(120_000);
  const url = await freshServer();
  let t = await signIn(page, url, ALAIN, 'en');
  await openSecurityInfo(page, t);
  const app = await addAuthenticatorApp(page, t);
  await addMobilePhone(page, t);
  await signOut(page, t);

  const kb = page.keyboard;
  await page.getByLabel(t.signin_username).focus();
  await kb.type(ALAIN);
  await kb.press('Tab');
  await kb.type(DEMO_PASSWORD);
  await kb.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: t.second_step_title })).toBeVisible();
  const code = page.getByLabel(t.code_label, { exact: true });
  await expect(code).toBeFocused();
  await kb.press('Tab'); // Cancel
  await kb.press('Tab'); // Verify
  await kb.press('Tab'); // Sign in another way
  await expect(page.getByRole('button', { name: t.second_step_another_way })).toBeFocused();
  await kb.press('Enter');
  const ways = page.getByRole('list', { name: t.second_step_choose });
  await expect(ways.getByRole('button', { name: t.second_step_way_app })).toBeFocused();
  await kb.press('Tab'); // Text +31 ...
  await kb.press('Tab'); // Cancel
  await kb.press('Shift+Tab');
  await kb.press('Shift+Tab');
  await expect(ways.getByRole('button', { name: t.second_step_way_app })).toBeFocused();
  await kb.press('Enter');
  await expect(code).toBeFocused();
  await kb.type(await app.freshCode());
  await kb.press('Enter');
  await expectOverview(page, t);
});

test('at 320 px the second step and Security info fit: no word is cut and nothing scrolls sideways (nl)', async ({ browser, policy }) => {
  test.setTimeout(120_000);
  const url = await freshServer();
  const context = policy.watch(await browser.newContext({ viewport: { width: 320, height: 640 } }));
  const page = await context.newPage();
  let t = await signIn(page, url, MEGAN, 'nl');
  await page.goto(`${url}/security-info`);
  const app = await addAuthenticatorApp(page, t);
  await addMobilePhone(page, t);
  // Security info with what two-step verification adds: the default method and recovery codes.
  await expect(page.getByTestId('default-method')).toBeVisible();
  await expect(page.getByRole('region', { name: t.recovery_heading })).toBeVisible();
  expect(await cutWords(page.locator('main')), 'Security info at 320 px').toEqual([]);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(wide, 'sideways scrolling of Security info at 320 px').toBeLessThanOrEqual(0);
  await signOut(page, t);
  t = await passwordStep(page, url, MEGAN, 'nl');
  const card = page.locator('.card.signin').filter({ has: page.getByRole('heading', { name: t.second_step_title }) });
  for (const state of ['app', 'another way']) {
    if (state === 'another way') await page.getByRole('button', { name: t.second_step_another_way }).click();
    expect(await cutWords(card), `the second step (${state}) at 320 px`).toEqual([]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `sideways scrolling at 320 px (${state})`).toBeLessThanOrEqual(0);
  }
  await expectAccessible(page, 'second step at 320 px');
  await page.getByRole('button', { name: t.second_step_way_app }).click();
  await page.getByLabel(t.code_label, { exact: true }).fill(await app.freshCode());
  await page.getByRole('button', { name: t.verify }).click();
  await expectOverview(page, t);
  await context.close();
});
