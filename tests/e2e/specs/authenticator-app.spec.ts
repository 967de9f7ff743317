// Adding an authenticator app as a user does, in English and Dutch: the QR code decoded by a
// real QR decoder (jsQR) holds the key of "Can't scan the image?", whose code an independent TOTP
// implementation (otpauth) computes; a wrong code speaks of the phone's clock; Back returns to
// the QR code; then rename and delete. axe in every new state, and the flow by keyboard alone.
import { type Locator, type Page } from '@playwright/test';
import jsQR from 'jsqr';
import * as OTPAuth from 'otpauth';
import { PNG } from 'pngjs';
import { expect, test } from '../support/test';
import { startServer, ALAIN, MEGAN, type RunningServer } from '../support/server';
import { expectAccessible, fill, openSecurityInfo, signIn, type Lang, type Messages } from '../support/app';

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server.stop();
});

/** The code an app with this base32 key shows now. */
function totpNow(secret: string): string {
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate();
}

/** What the QR code image says, read from its pixels. */
async function decodeQr(image: Locator): Promise<string> {
  await expect(image.locator('svg path')).toHaveCount(1); // the dark modules, as one path
  const png = PNG.sync.read(await image.screenshot());
  const found = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  expect(found, 'the QR code decodes').not.toBeNull();
  return found!.data;
}

async function openAppSetup(page: Page, t: Messages): Promise<Locator> {
  await page.getByRole('button', { name: t.add_method }).click();
  const choose = page.getByRole('dialog', { name: t.add_title });
  await choose.getByLabel(t.add_question).selectOption({ label: t.method_type_authenticator_app });
  await choose.getByRole('button', { name: t.add_submit }).click();
  return page.getByRole('dialog', { name: t.method_type_authenticator_app });
}

function wrongCode(code: string): string {
  return code
    .split('')
    .map((digit) => String((Number(digit) + 1) % 10))
    .join('');
}

for (const [lang, user] of [
  ['en', ALAIN],
  ['nl', MEGAN],
] as [Lang, string][]) {
  test(`an authenticator app is added with the code it computes, renamed and deleted (${lang})`, async ({ page }) => {
    test.setTimeout(90_000);
    const t = await signIn(page, server.url, user, lang);
    await openSecurityInfo(page, t);
    const dialog = await openAppSetup(page, t);
    await expect(dialog.getByText(t.app_intro)).toBeVisible();
    await expectAccessible(page, 'authenticator app intro');
    await dialog.getByRole('button', { name: t.next }).click();

    await expect(dialog.getByRole('heading', { name: t.app_scan_title })).toBeVisible();
    const qr = dialog.getByRole('img', { name: t.app_qr_alt });
    await expect(qr).toBeVisible();
    const uri = new URL(await decodeQr(qr));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe(`/Contoso:${user}`);
    expect(uri.searchParams.get('issuer')).toBe('Contoso');
    expect(uri.searchParams.get('algorithm')).toBe('SHA1');
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');
    // On a phone, the link opens the app with the same URI.
    await expect(dialog.getByRole('link', { name: t.app_open_link })).toHaveAttribute('href', uri.toString());
    await expectAccessible(page, 'authenticator app QR code');

    const cantScan = dialog.getByRole('button', { name: t.app_cant_scan });
    await expect(cantScan).toHaveAttribute('aria-expanded', 'false');
    await cantScan.click();
    await expect(cantScan).toHaveAttribute('aria-expanded', 'true');
    await expect(dialog.getByTestId('app-account-name')).toHaveText(user);
    const shown = (await dialog.getByTestId('app-secret').textContent()) ?? '';
    expect(shown).toMatch(/^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/);
    const secret = shown.replace(/ /g, '');
    expect(uri.searchParams.get('secret')).toBe(secret);
    await expectAccessible(page, 'authenticator app key shown');

    await dialog.getByRole('button', { name: t.next }).click();
    const codeInput = dialog.getByLabel(t.code_label, { exact: true });
    await expect(codeInput).toBeFocused();
    await codeInput.fill(wrongCode(totpNow(secret)));
    await dialog.getByRole('button', { name: t.next }).click();
    await expect(dialog.getByText(fill(t.app_code_incorrect, { attempts: 4 }))).toBeVisible();
    await expect(codeInput).toHaveAttribute('aria-invalid', 'true');
    await expectAccessible(page, 'authenticator app wrong code');

    // Back shows the same QR code again.
    await dialog.getByRole('button', { name: t.back }).click();
    expect(await decodeQr(dialog.getByRole('img', { name: t.app_qr_alt }))).toBe(uri.toString());
    await dialog.getByRole('button', { name: t.next }).click();
    await codeInput.fill(totpNow(secret));
    await dialog.getByRole('button', { name: t.next }).click();
    await expect(dialog).toBeHidden();

    const defaultName = `${t.method_type_authenticator_app} 1`;
    const row = page.locator('.method', { hasText: defaultName });
    await expect(row.locator('.method-type')).toHaveText(t.method_type_authenticator_app);
    await expect(row.locator('.method-detail')).toHaveText(defaultName);
    await expect(row.locator('.method-usage')).toHaveText(t.usage_both);
    await expect(page.getByRole('status')).toHaveText(fill(t.method_added, { detail: defaultName }));

    const method = t.method_type_authenticator_app;
    await row.getByRole('button', { name: fill(t.rename_link_label, { method, detail: defaultName }) }).click();
    const rename = page.getByRole('dialog', { name: t.rename_title });
    const name = rename.getByLabel(t.rename_label);
    await expect(name).toBeFocused();
    await expect(name).toHaveValue(defaultName);
    await name.fill('   ');
    await rename.getByRole('button', { name: t.save }).click();
    await expect(rename.getByText(t.rename_error_empty)).toBeVisible();
    await expectAccessible(page, 'rename with an error');
    await name.fill('  Work   phone ');
    await rename.getByRole('button', { name: t.save }).click();
    await expect(rename).toBeHidden();
    const renamed = page.locator('.method', { hasText: 'Work phone' });
    await expect(renamed.locator('.method-detail')).toHaveText('Work phone');
    await expect(page.getByRole('status')).toHaveText(fill(t.method_renamed, { detail: 'Work phone' }));
    await page.reload();
    await expect(renamed.locator('.method-detail')).toHaveText('Work phone');

    await renamed.getByRole('button', { name: fill(t.delete_link_label, { method, detail: 'Work phone' }) }).click();
    const confirm = page.getByRole('dialog', { name: t.delete_title });
    await confirm.getByRole('button', { name: t.yes, exact: true }).click();
    await expect(confirm).toBeHidden();
    await expect(page.getByTestId('methods-empty')).toBeVisible();
  });
}

test('an authenticator app is added with the keyboard alone', async ({ page }) => {
  test.setTimeout(60_000);
  const t = await signIn(page, server.url, ALAIN, 'en');
  await openSecurityInfo(page, t);
  const kb = page.keyboard;
  const add = page.getByRole('button', { name: t.add_method });
  await add.focus();
  await kb.press('Enter');
  const choose = page.getByRole('dialog', { name: t.add_title });
  const select = choose.getByLabel(t.add_question);
  await expect(select).toBeFocused();
  await kb.press('ArrowDown'); // the first type after "Choose a method": the article's order
  await expect(select).toHaveValue('authenticatorApp');
  await kb.press('Tab'); // Cancel
  await kb.press('Tab'); // Add
  await kb.press('Enter');
  const dialog = page.getByRole('dialog', { name: t.method_type_authenticator_app });
  const next = dialog.getByRole('button', { name: t.next });
  await expect(next).toBeFocused();
  await kb.press('Enter');
  await expect(dialog.getByRole('img', { name: t.app_qr_alt })).toBeVisible();
  await expect(next).toBeFocused();
  await kb.press('Shift+Tab'); // Back
  await kb.press('Shift+Tab'); // Can't scan the image?
  await expect(dialog.getByRole('button', { name: t.app_cant_scan })).toBeFocused();
  await kb.press('Enter');
  const secret = ((await dialog.getByTestId('app-secret').textContent()) ?? '').replace(/ /g, '');
  await kb.press('Tab'); // Copy key
  await kb.press('Tab'); // Back
  await kb.press('Tab'); // Next
  await expect(next).toBeFocused();
  await kb.press('Enter');
  await expect(dialog.getByLabel(t.code_label, { exact: true })).toBeFocused();
  await kb.type(totpNow(secret));
  await kb.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(add).toBeFocused();
  await expect(page.locator('.method-detail')).toHaveText(`${t.method_type_authenticator_app} 1`);
});
