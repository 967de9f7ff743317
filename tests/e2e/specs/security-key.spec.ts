// Adding a security key as a user does, with Chromium's own virtual authenticator (CDP WebAuthn
// domain: ctap2, user verification on) standing in for the key: the browser's real prompt
// logic, excludeCredentials and toJSON, against the real server. English and Dutch; a USB key
// and a passkey on this device; the same key twice, a prompt that fails, a browser without
// WebAuthn Level 3; rename and delete; axe in every new state. The app is opened as localhost:
// WebAuthn refuses IP addresses.
import { type Locator, type Page } from '@playwright/test';
import { expect, test } from '../support/test';
import { startServer, ALAIN, MEGAN, type RunningServer } from '../support/server';
import { credentialsOn, plugKey } from '../support/webauthn';
import { exact, expectAccessible, fill, openSecurityInfo, signIn, type Lang, type Messages } from '../support/app';

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server.stop();
});

/** The server by the name WebAuthn accepts. */
function localUrl(): string {
  return server.url.replace('127.0.0.1', 'localhost');
}

/** Add method -> Security key or passkey; returns the type's dialog. */
async function openKeySetup(page: Page, t: Messages): Promise<Locator> {
  await page.getByRole('button', { name: t.add_method }).click();
  const choose = page.getByRole('dialog', { name: t.add_title });
  await choose.getByLabel(t.add_question).selectOption({ label: t.method_type_security_key });
  await choose.getByRole('button', { name: t.add_submit }).click();
  return page.getByRole('dialog', { name: t.method_type_security_key });
}

for (const [lang, user] of [
  ['en', ALAIN],
  ['nl', MEGAN],
] as [Lang, string][]) {
  test(`a security key is added and named, refused a second time, renamed and deleted (${lang})`, async ({ page }) => {
    test.setTimeout(90_000);
    const t = await signIn(page, localUrl(), user, lang);
    const key = await plugKey(page);
    await openSecurityInfo(page, t);
    let dialog = await openKeySetup(page, t);
    await expect(dialog.getByText(t.key_intro)).toBeVisible();
    await expect(dialog.getByRole('button', { name: t.next })).toBeFocused();
    await expectAccessible(page, 'security key intro');
    await dialog.getByRole('button', { name: t.next }).click();

    // The browser made a credential: name it.
    const name = dialog.getByLabel(t.key_name_label);
    await expect(name).toBeFocused();
    await expect(name).toHaveValue(t.key_kind_security_key);
    await expectAccessible(page, 'security key name');
    expect(await credentialsOn(key)).toHaveLength(1);
    await name.fill('   ');
    await dialog.getByRole('button', { name: t.done }).click();
    await expect(dialog.getByText(t.rename_error_empty)).toBeVisible();
    await name.fill('  Blue   key ');
    await dialog.getByRole('button', { name: t.done }).click();
    await expect(dialog).toBeHidden();
    const row = page.locator('.method', { hasText: 'Blue key' });
    await expect(row.locator('.method-type')).toHaveText(t.method_type_security_key_listed);
    await expect(row.locator('.method-detail')).toHaveText('Blue key');
    await expect(row.locator('.method-usage')).toHaveText(t.usage_both);
    await expect(page.getByRole('status')).toHaveText(fill(t.method_added, { detail: 'Blue key' }));
    const [credential] = await credentialsOn(key);
    expect(credential.rpId).toBe('localhost');

    // The same key again: the browser refuses it (excludeCredentials) and the dialog says so.
    dialog = await openKeySetup(page, t);
    await dialog.getByRole('button', { name: t.next }).click();
    await expect(dialog.getByText(t.key_error_already_registered)).toBeVisible();
    await expect(dialog.getByRole('button', { name: t.try_again })).toBeFocused();
    await expectAccessible(page, 'security key already registered');
    expect(await credentialsOn(key)).toHaveLength(1);
    await dialog.getByRole('button', { name: t.cancel }).click();
    await expect(dialog).toBeHidden();

    // A passkey on this device: the suggested name is kept, and the server gives it.
    await key.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: key.authenticatorId });
    await plugKey(page, { transport: 'internal' });
    dialog = await openKeySetup(page, t);
    await dialog.getByRole('button', { name: t.next }).click();
    await expect(dialog.getByLabel(t.key_name_label)).toHaveValue(t.key_kind_this_device);
    await dialog.getByRole('button', { name: t.done }).click();
    await expect(dialog).toBeHidden();
    await expect(page.locator('.method-detail')).toHaveText(['Blue key', t.key_kind_this_device]);

    const method = t.method_type_security_key_listed;
    await row.getByRole('button', { name: fill(t.rename_link_label, { method, detail: 'Blue key' }) }).click();
    const rename = page.getByRole('dialog', { name: t.rename_title });
    await rename.getByLabel(t.rename_label).fill('Spare key');
    await rename.getByRole('button', { name: t.save }).click();
    await expect(rename).toBeHidden();
    const renamed = page.locator('.method', { hasText: 'Spare key' });
    await renamed.getByRole('button', { name: fill(t.delete_link_label, { method, detail: 'Spare key' }) }).click();
    const confirm = page.getByRole('dialog', { name: t.delete_title });
    await confirm.getByRole('button', { name: t.yes, exact: true }).click();
    await expect(confirm).toBeHidden();
    await expect(page.locator('.method-detail')).toHaveText([t.key_kind_this_device]);
    // None left: the next sign-in of this account would ask for a key, and the virtual
    // authenticator goes with this page.
    await page
      .getByRole('button', { name: fill(t.delete_link_label, { method, detail: t.key_kind_this_device }) })
      .click();
    await confirm.getByRole('button', { name: t.yes, exact: true }).click();
    await expect(confirm).toBeHidden();
    await expect(page.getByTestId('methods-empty')).toBeVisible();
  });
}

test('a prompt that fails says so and Try again starts a new one', async ({ page }) => {
  test.setTimeout(60_000);
  const t = await signIn(page, localUrl(), ALAIN, 'en');
  // A key whose user does not confirm (no PIN or fingerprint): the browser ends the prompt.
  const key = await plugKey(page, { isUserVerified: false });
  await openSecurityInfo(page, t);
  const dialog = await openKeySetup(page, t);
  await dialog.getByRole('button', { name: t.next }).click();
  await expect(dialog.getByRole('alert')).toHaveText(t.key_error_cancelled);
  const again = dialog.getByRole('button', { name: t.try_again });
  await expect(again).toBeFocused();
  await expectAccessible(page, 'security key prompt failed');
  expect(await credentialsOn(key)).toHaveLength(0);

  await key.cdp.send('WebAuthn.setUserVerified', { authenticatorId: key.authenticatorId, isUserVerified: true });
  await again.click();
  await dialog.getByRole('button', { name: t.done }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator('.method-detail').filter({ hasText: exact(t.key_kind_security_key) })).toHaveCount(1);
});

test('a browser without WebAuthn Level 3 is told so before anything starts', async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(window, 'PublicKeyCredential', { value: undefined });
  });
  const t = await signIn(page, localUrl(), MEGAN, 'en');
  await openSecurityInfo(page, t);
  const dialog = await openKeySetup(page, t);
  await dialog.getByRole('button', { name: t.next }).click();
  await expect(dialog.getByRole('alert')).toHaveText(t.key_error_unsupported);
  await expect(dialog.getByRole('button', { name: t.try_again })).toBeFocused();
});
