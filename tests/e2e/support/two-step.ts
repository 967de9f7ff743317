// Helpers of the two-step verification specs: an authenticator app played by an independent
// TOTP implementation (otpauth), set up through the page as a user does it, a security key
// added through the page, and the password half of a sign-in that stops at the second step.
import { expect, type Page } from '@playwright/test';
import * as OTPAuth from 'otpauth';
import { messages, type Lang, type Messages } from './app';
import { DEMO_PASSWORD } from './server';

const PERIOD_MS = 30_000;

/** An authenticator app holding one account's key. */
export class AuthenticatorApp {
  /** The 30-second step of the last code the server took: a code works once, so the next
   * one must come from a later step. */
  private lastStep = -1;

  constructor(readonly secret: string) {}

  private codeAt(ms: number): string {
    return new OTPAuth.TOTP({
      secret: OTPAuth.Secret.fromBase32(this.secret),
      algorithm: 'SHA1',
      digits: 6,
      period: PERIOD_MS / 1000,
    }).generate({ timestamp: ms });
  }

  /** The code the app shows now, waiting for the next step when this one's code was used. */
  async freshCode(): Promise<string> {
    for (;;) {
      const now = Date.now();
      const step = Math.floor(now / PERIOD_MS);
      // Not in the last half second of a step: the code must still be current at the server.
      if (step > this.lastStep && now - step * PERIOD_MS < PERIOD_MS - 500) {
        this.lastStep = step;
        return this.codeAt(now);
      }
      await new Promise((r) => setTimeout(r, (step + 1) * PERIOD_MS - now + 100));
    }
  }

  /** A code the app does not show now, nor a step before or after (every digit moved). */
  wrongCode(): string {
    return this.codeAt(Date.now())
      .split('')
      .map((digit) => String((Number(digit) + 5) % 10))
      .join('');
  }
}

/** On Security info: adds an authenticator app through "Can't scan the image?" and returns it. */
export async function addAuthenticatorApp(page: Page, t: Messages): Promise<AuthenticatorApp> {
  await page.getByRole('button', { name: t.add_method }).click();
  const choose = page.getByRole('dialog', { name: t.add_title });
  await choose.getByLabel(t.add_question).selectOption({ label: t.method_type_authenticator_app });
  await choose.getByRole('button', { name: t.add_submit }).click();
  const dialog = page.getByRole('dialog', { name: t.method_type_authenticator_app });
  await dialog.getByRole('button', { name: t.next }).click();
  await dialog.getByRole('button', { name: t.app_cant_scan }).click();
  const app = new AuthenticatorApp(((await dialog.getByTestId('app-secret').textContent()) ?? '').replace(/ /g, ''));
  await dialog.getByRole('button', { name: t.next }).click();
  await dialog.getByLabel(t.code_label, { exact: true }).fill(await app.freshCode());
  await dialog.getByRole('button', { name: t.next }).click();
  await expect(dialog).toBeHidden();
  return app;
}

/** Signs out with the top bar's button and waits for the sign-in page. */
export async function signOut(page: Page, t: Messages): Promise<void> {
  await page.getByRole('button', { name: t.sign_out, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: t.signin_title })).toBeVisible();
}

/** Opens sign-in in `lang` and gives the password of `username`: ends on the second step. */
export async function passwordStep(page: Page, baseUrl: string, username: string, lang: Lang): Promise<Messages> {
  const t = messages(lang);
  await page.goto(`${baseUrl}/signin?lang=${lang}`);
  await expect(page.getByRole('heading', { level: 1, name: t.signin_title })).toBeVisible();
  await page.getByLabel(t.signin_username).fill(username);
  await page.getByLabel(t.signin_password, { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: t.signin_submit }).click();
  await expect(page.getByRole('heading', { level: 1, name: t.second_step_title })).toBeVisible();
  return t;
}

/** Adds a security key on the virtual authenticator already plugged in, named `name`. */
export async function addSecurityKey(page: Page, t: Messages, name: string): Promise<void> {
  await page.getByRole('button', { name: t.add_method }).click();
  const choose = page.getByRole('dialog', { name: t.add_title });
  await choose.getByLabel(t.add_question).selectOption({ label: t.method_type_security_key });
  await choose.getByRole('button', { name: t.add_submit }).click();
  const dialog = page.getByRole('dialog', { name: t.method_type_security_key });
  await dialog.getByRole('button', { name: t.next }).click();
  await dialog.getByLabel(t.key_name_label).fill(name);
  await dialog.getByRole('button', { name: t.done }).click();
  await expect(dialog).toBeHidden();
}
