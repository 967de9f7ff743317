// What users see when things go wrong in the add-email flow: a work address, a wrong code
// (attempts left), too many wrong codes (start again), an expired code, the resend countdown,
// a server failure (Try again), and step-up before a change.
import { expect, test, type Page } from '@playwright/test';
import { startServer, ALAIN, DEMO_PASSWORD, MEGAN, type RunningServer } from '../support/server';
import { fill, openSecurityInfo, signIn, startAddingEmail, type Messages } from '../support/app';

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
  return page.getByRole('dialog', { name: t.email_title });
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
  const dialog = page.getByRole('dialog', { name: t.code_title });
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

test('the resend countdown runs, and an expired code says to get a new one', async ({ page }) => {
  const t = await signIn(page, server.url, ALAIN, 'en');
  await openSecurityInfo(page, t);
  await startAddingEmail(page, server.url, t, 'alain.dupont@example.com');
  const dialog = page.getByRole('dialog', { name: t.code_title });
  const countdown = dialog.getByTestId('resend-countdown');
  await expect(countdown).toHaveText(/\d:\d\d/);
  const first = await countdown.textContent();
  await expect(countdown).not.toHaveText(first ?? '', { timeout: 3_000 });
  await expect(dialog.getByRole('button', { name: t.resend })).toHaveAttribute('aria-disabled', 'true');
  await expect(dialog.locator('#code-expiry')).toContainText(t.code_expires.split('{')[0].trim());

  // The server says the code expired (ten minutes are too long to wait in a test).
  await page.route('**/api/v1/me/email-registrations/*/verify', (route) =>
    route.fulfill({
      status: 410,
      contentType: 'application/problem+json',
      body: JSON.stringify({
        type: 'urn:security-info:problem:code_expired',
        title: 'Code expired',
        status: 410,
        code: 'code_expired',
      }),
    }),
  );
  await dialog.getByLabel(t.code_label, { exact: true }).fill('000000');
  await dialog.getByRole('button', { name: t.next }).click();
  await expect(dialog.getByText(t.problem_code_expired).first()).toBeVisible();
  await expect(dialog.locator('#code-expiry')).toHaveText(t.code_expired_local);
});

test('a server failure offers Try again, which recovers', async ({ page }) => {
  const t = await signIn(page, server.url, ALAIN, 'en');
  let fail = true;
  await page.route('**/api/v1/me/methods', (route) =>
    fail ? route.fulfill({ status: 503, body: 'upstream down' }) : route.continue(),
  );
  await openSecurityInfo(page, t);
  const alert = page.getByRole('alert').filter({ hasText: t.error_server });
  await expect(alert).toBeVisible();
  fail = false;
  await alert.getByRole('button', { name: t.try_again }).click();
  await expect(page.getByRole('list', { name: t.methods_label }).or(page.getByTestId('methods-empty'))).toBeVisible();
});

test('a change that needs a fresh sign-in asks for the password and then continues', async ({ page }) => {
  const t = await signIn(page, server.url, MEGAN, 'en');
  await openSecurityInfo(page, t);
  // The first registration call is answered as if the sign-in were too old.
  let demanded = false;
  await page.route('**/api/v1/me/email-registrations', (route) => {
    if (!demanded && route.request().method() === 'POST') {
      demanded = true;
      return route.fulfill({
        status: 401,
        contentType: 'application/problem+json',
        body: JSON.stringify({
          type: 'urn:security-info:problem:reauthentication_required',
          title: 'Reauthentication required',
          status: 401,
          code: 'reauthentication_required',
        }),
      });
    }
    return route.continue();
  });
  const dialog = await openEmailStep(page, t);
  await dialog.getByLabel(t.email_question).fill('megan@example.com');
  await dialog.getByRole('button', { name: t.next }).click();
  const stepUp = page.getByRole('dialog', { name: t.reauth_title });
  await expect(stepUp).toBeVisible();
  await expect(stepUp.getByLabel(t.reauth_password)).toBeFocused();
  await stepUp.getByLabel(t.reauth_password).fill('wrong-password');
  await stepUp.getByRole('button', { name: t.reauth_submit }).click();
  await expect(stepUp.getByText(t.problem_invalid_credentials)).toBeVisible();
  await stepUp.getByLabel(t.reauth_password).fill(DEMO_PASSWORD);
  await stepUp.getByRole('button', { name: t.reauth_submit }).click();
  await expect(stepUp).toBeHidden();
  // The interrupted Next went on: the code was sent.
  await expect(dialog.getByText(fill(t.code_sent, { address: 'megan@example.com' }))).toBeVisible();
});
