// What users see when things go wrong in the add-email flow: a work address, a wrong code
// (attempts left), too many wrong codes (start again), an expired code, the resend countdown,
// a server failure and an unreachable server (Try again), and step-up before a change. No answer
// is faked: the failures are produced by real servers (short code life, short step-up window, a
// table taken away, a stopped process).
import { type Page } from '@playwright/test';
import { expect, test } from '../support/test';
import { startServer, sql, ALAIN, DEMO_PASSWORD, MEGAN, type RunningServer } from '../support/server';
import {
  codeOf,
  fill,
  nextMail,
  openSecurityInfo,
  signIn,
  startAddingEmail,
  type Messages,
} from '../support/app';

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server.stop();
});

async function openEmailStep(page: Page, t: Messages) {
  await page.getByRole('button', { name: t.add_method }).click();
  const choose = page.getByRole('dialog', { name: t.add_title });
  await choose.getByLabel(t.add_question).selectOption({ label: t.method_type_email });
  await choose.getByRole('button', { name: t.add_submit }).click();
  return page.getByRole('dialog', { name: t.method_type_email });
}

function wrongCode(code: string): string {
  return code
    .split('')
    .map((digit) => String((Number(digit) + 1) % 10))
    .join('');
}

test('a work or school address is refused before anything is sent', async ({ page }) => {
  const t = await signIn(page, server.url, ALAIN, 'en');
  await openSecurityInfo(page, t);
  const dialog = await openEmailStep(page, t);
  const input = dialog.getByLabel(t.email_question);
  await dialog.getByRole('button', { name: t.next }).click();
  await expect(dialog.getByText(t.email_error_empty)).toBeVisible();
  await input.fill('not an address');
  await dialog.getByRole('button', { name: t.next }).click();
  await expect(dialog.getByText(t.email_error_syntax)).toBeVisible();
  await input.fill('Alain.Dupont@Contoso.example');
  await dialog.getByRole('button', { name: t.next }).click();
  await expect(dialog.getByText(t.email_error_work)).toBeVisible();
  await expect(input).toBeFocused();
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  await expect(input).toHaveAttribute('aria-describedby', /email-error/);
  // Cancel closes, and nothing was added.
  await dialog.getByRole('button', { name: t.cancel }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('methods-empty')).toBeVisible();
});

test('a wrong code says how many tries are left, and too many start over (nl)', async ({ page }) => {
  const t = await signIn(page, server.url, MEGAN, 'nl');
  await openSecurityInfo(page, t);
  const code = await startAddingEmail(page, server.url, t, 'megan@example.net');
  const dialog = page.getByRole('dialog', { name: t.method_type_email });
  const input = dialog.getByLabel(t.code_label, { exact: true });

  // Client-side checks first: too short.
  await input.fill('123');
  await dialog.getByRole('button', { name: t.next }).click();
  await expect(dialog.getByText(fill(t.code_error_length, { length: 6 }))).toBeVisible();

  for (const left of [4, 3, 2]) {
    await input.fill(wrongCode(code));
    await dialog.getByRole('button', { name: t.next }).click();
    await expect(dialog.getByText(fill(t.problem_code_incorrect, { attempts: left }))).toBeVisible();
    await expect(input).toBeFocused();
  }
  await input.fill(wrongCode(code));
  await dialog.getByRole('button', { name: t.next }).click();
  await expect(dialog.getByText(t.problem_code_incorrect_one)).toBeVisible();
  await input.fill(wrongCode(code));
  await dialog.getByRole('button', { name: t.next }).click();
  await expect(dialog.getByText(t.problem_verification_locked)).toBeVisible();
  // The right code no longer helps; Start again goes back to the address.
  await dialog.getByRole('button', { name: t.start_again }).click();
  await expect(dialog.getByLabel(t.email_question)).toHaveValue('megan@example.net');
});

test('the resend countdown runs', async ({ page }) => {
  const t = await signIn(page, server.url, ALAIN, 'en');
  await openSecurityInfo(page, t);
  await startAddingEmail(page, server.url, t, 'alain.dupont@example.com');
  const dialog = page.getByRole('dialog', { name: t.method_type_email });
  const countdown = dialog.getByTestId('resend-countdown');
  await expect(countdown).toHaveText(/\d:\d\d/);
  const first = await countdown.textContent();
  await expect(countdown).not.toHaveText(first ?? '', { timeout: 3_000 });
  await expect(dialog.getByRole('button', { name: t.resend })).toHaveAttribute('aria-disabled', 'true');
  await expect(dialog.locator('#code-expiry')).toContainText(t.code_expires.split('{')[0].trim());
});

// The tests below break or reconfigure a server of their own, so each starts one.

test('an expired code says to get a new one, and Resend code brings one that works', async ({ page }) => {
  // Codes live 10 s on this server and another may be asked for after 12 s, so the expiry is
  // seen first and then the countdown running out.
  const own = await startServer({ SECURITY_INFO_CODE_TTL_SECONDS: '10', SECURITY_INFO_RESEND_COOLDOWN_SECONDS: '12' });
  try {
    const address = 'alain.dupont@example.com';
    const t = await signIn(page, own.url, ALAIN, 'en');
    await openSecurityInfo(page, t);
    const code = await startAddingEmail(page, own.url, t, address);
    const dialog = page.getByRole('dialog', { name: t.method_type_email });
    const input = dialog.getByLabel(t.code_label, { exact: true });
    // The app's clock sees the code expire...
    await expect(dialog.locator('#code-expiry')).toHaveText(t.code_expired_local, { timeout: 20_000 });
    // ...and the server refuses the right code, too late, as code_expired.
    const answer = page.waitForResponse((r) => r.url().endsWith('/verify') && r.request().method() === 'POST');
    await input.fill(code);
    await dialog.getByRole('button', { name: t.next }).click();
    expect((await answer).status()).toBe(410);
    expect((await (await answer).json()).code).toBe('code_expired');
    await expect(dialog.locator('#code-error')).toHaveText(t.problem_code_expired);
    await expect(input).toHaveAttribute('aria-invalid', 'true');

    // Resend code, once the cooldown is over, mails a new code that works.
    const resend = dialog.getByRole('button', { name: t.resend });
    await expect(resend).toHaveAttribute('aria-disabled', 'false', { timeout: 15_000 });
    const resentAt = new Date().toISOString();
    await resend.click();
    await expect(dialog.getByText(fill(t.code_resent, { destination: address }))).toBeVisible();
    await expect(dialog.locator('#code-expiry')).not.toHaveText(t.code_expired_local);
    const fresh = codeOf(await nextMail(own.url, address, resentAt));
    await input.fill(fresh);
    await dialog.getByRole('button', { name: t.next }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('list', { name: t.methods_label })).toContainText(address);
  } finally {
    await own.stop();
  }
});

test('a server failure offers Try again, which recovers', async ({ page }) => {
  const own = await startServer();
  try {
    const t = await signIn(page, own.url, ALAIN, 'en');
    // Break the real server: the table the method list reads disappears (renamed). The server
    // keeps method lists in memory once read (signing in reads them), so it starts again on the
    // broken database (same port and database: the session stays) with nothing cached.
    sql(own, 'alter table method rename to method_unavailable;');
    await own.restart();
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/methods'));
    await openSecurityInfo(page, t);
    expect((await answer).status()).toBe(500);
    expect((await (await answer).json()).code).toBe('internal');
    const methods = page.getByRole('region', { name: t.methods_label, exact: true });
    const usage = page.getByRole('region', { name: t.usage_heading, exact: true });
    for (const region of [methods, usage]) {
      await expect(region.getByRole('alert')).toContainText(t.error_server);
    }
    sql(own, 'alter table method_unavailable rename to method;');
    for (const region of [methods, usage]) {
      await region.getByRole('alert').getByRole('button', { name: t.try_again }).click();
      await expect(region.getByRole('alert')).toBeHidden();
    }
    await expect(page.getByTestId('methods-empty')).toBeVisible();
  } finally {
    await own.stop();
  }
});

test('an unreachable server offers Try again, which recovers when it is back', async ({ page }) => {
  const own = await startServer();
  try {
    const t = await signIn(page, own.url, ALAIN, 'en');
    await own.halt();
    await page.getByRole('link', { name: t.overview_security_link }).click();
    await expect(page.getByRole('heading', { level: 1, name: t.security_title })).toBeVisible();
    const methods = page.getByRole('region', { name: t.methods_label, exact: true });
    const alert = methods.getByRole('alert');
    await expect(alert).toContainText(t.error_network);
    // Back on the same port with the same database: the session is still there.
    await own.restart();
    await alert.getByRole('button', { name: t.try_again }).click();
    await expect(alert).toBeHidden();
    await expect(page.getByTestId('methods-empty')).toBeVisible();
  } finally {
    await own.stop();
  }
});

test('a change that needs a fresh sign-in asks for the password and then continues', async ({ page }) => {
  // On this server a sign-in counts as recent for 3 s only.
  const own = await startServer({ SECURITY_INFO_STEP_UP_SECONDS: '3' });
  try {
    const address = 'megan@example.com';
    const t = await signIn(page, own.url, MEGAN, 'en');
    const signedIn = Date.now();
    await openSecurityInfo(page, t);
    const dialog = await openEmailStep(page, t);
    await dialog.getByLabel(t.email_question).fill(address);
    // The server's clock has to pass the window: nothing in the page changes when it does, so
    // this waits out what is left of it (plus a second for the server's whole-second times).
    await page.waitForTimeout(Math.max(0, signedIn + 4_000 - Date.now()));
    const refused = page.waitForResponse(
      (r) => r.url().endsWith('/api/v1/me/registrations') && r.request().method() === 'POST',
    );
    await dialog.getByRole('button', { name: t.next }).click();
    expect((await refused).status()).toBe(401);
    expect((await (await refused).json()).code).toBe('reauthentication_required');
    const stepUp = page.getByRole('dialog', { name: t.reauth_title });
    await expect(stepUp).toBeVisible();
    await expect(stepUp.getByLabel(t.reauth_password)).toBeFocused();
    await stepUp.getByLabel(t.reauth_password).fill('wrong-password');
    await stepUp.getByRole('button', { name: t.reauth_submit }).click();
    await expect(stepUp.getByText(t.problem_invalid_credentials)).toBeVisible();
    const reauthenticatedAt = new Date().toISOString();
    await stepUp.getByLabel(t.reauth_password).fill(DEMO_PASSWORD);
    await stepUp.getByRole('button', { name: t.reauth_submit }).click();
    await expect(stepUp).toBeHidden();
    // The interrupted Next went on: the server mailed a code.
    await expect(dialog.getByText(fill(t.code_sent, { destination: address }))).toBeVisible();
    expect(codeOf(await nextMail(own.url, address, reauthenticatedAt))).toMatch(/^\d{6}$/);
  } finally {
    await own.stop();
  }
});
