// Security info inside a portal's iframe, across sites: the example portal (examples/portal)
// on http://127.0.0.1:A frames the app on http://localhost:B. Over plain http the app's
// SameSite=Lax cookie is not sent inside a cross-site frame, so the portal hands over a token
// issued by a real OpenID Connect provider (npm oidc-provider on loopback), as in production.
import * as OTPAuth from 'otpauth';
import { type FrameLocator, type Locator, type Page } from '@playwright/test';
import { expect, test } from '../support/test';
import { plugKey } from '../support/webauthn';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { codeOf, cutWords, exact, expectAccessible, fill, messages, nextMail } from '../support/app';
import {
  AUDIENCE,
  PORTAL_DIR,
  serveStatic,
  startEmbeddedServer,
  startOidcProvider,
  type EmbeddedServer,
  type OidcProvider,
  type StaticSite,
} from '../support/embed';

type Message = { type: string; [field: string]: unknown };

let oidc: OidcProvider;
let portal: StaticSite;
let stranger: StaticSite;
let foreign: StaticSite;
let app: EmbeddedServer;
let foreignDir: string;

test.beforeAll(async () => {
  oidc = await startOidcProvider();
  portal = await serveStatic(PORTAL_DIR);
  // The same portal page on an origin the operator did not configure.
  stranger = await serveStatic(PORTAL_DIR);
  // A page on another origin that posts messages at the framed app.
  foreignDir = fs.mkdtempSync(path.join(os.tmpdir(), 'security-info-foreign-'));
  fs.writeFileSync(
    path.join(foreignDir, 'index.html'),
    `<!doctype html><title>foreign</title><p id="done"></p><script>
      const target = window.parent.frames[0];
      const send = (m) => target.postMessage(m, '*');
      send({ protocol: 'security-info', version: 1, type: 'locale', locale: 'nl' });
      send({ protocol: 'security-info', version: 1, type: 'theme', tokens: { '--si-accent': 'rgb(1, 2, 3)' } });
      document.getElementById('done').textContent = 'sent';
    </script>`,
  );
  foreign = await serveStatic(foreignDir, 'localhost');
  app = await startEmbeddedServer({
    SECURITY_INFO_EMBED_ORIGINS: portal.origin,
    SECURITY_INFO_OIDC_ISSUER: oidc.issuer,
    SECURITY_INFO_OIDC_AUDIENCE: AUDIENCE,
  });
});

test.afterAll(async () => {
  await app?.stop();
  await Promise.all([portal?.stop(), stranger?.stop(), foreign?.stop(), oidc?.stop()]);
  fs.rmSync(foreignDir, { recursive: true, force: true });
});

const en = messages('en');
const nl = messages('nl');

/** Opens the portal on `site` framing the app, optionally handing over `token` at once. */
async function openPortal(page: Page, site: StaticSite, token?: string): Promise<FrameLocator> {
  const appUrl = `${app.url}/security-info?embed=1`;
  await page.goto(`${site.origin}/?app=${encodeURIComponent(appUrl)}`);
  if (token) {
    await page.getByLabel('Token').fill(token);
    await page.getByRole('button', { name: 'Send token' }).click();
  }
  return page.frameLocator('#security-info');
}

/** Every contract message the portal received from the app so far. */
async function received(page: Page): Promise<Message[]> {
  return page.evaluate(() => (window as unknown as { portal: { messages: Message[] } }).portal.messages);
}

/** Add method -> Email -> `address` -> Next in the framed app; returns the email dialog. */
async function askForCode(frame: FrameLocator, address: string): Promise<Locator> {
  await frame.getByRole('button', { name: en.add_method }).click();
  const add = frame.getByRole('dialog', { name: en.add_title });
  await add.getByLabel(en.add_question).selectOption({ label: en.method_type_email });
  await add.getByRole('button', { name: en.add_submit }).click();
  const emailDialog = frame.getByRole('dialog', { name: en.method_type_email });
  await emailDialog.getByLabel(en.email_question).fill(address);
  await emailDialog.getByRole('button', { name: en.next }).click();
  return emailDialog;
}

async function expectMessage(page: Page, match: (m: Message) => boolean): Promise<void> {
  await expect.poll(async () => (await received(page)).some(match)).toBe(true);
}

test('with a token from the portal, the whole add-verify-delete flow runs in the frame and the portal hears about it', async ({
  page,
}) => {
  const frame = await openPortal(page, portal, await oidc.issue('alice'));
  await expect(frame.getByRole('heading', { level: 1, name: en.security_title })).toBeVisible();
  // Embedded look: no header, no navigation of its own.
  await expect(frame.getByRole('banner')).toHaveCount(0);
  await expect(frame.getByRole('navigation')).toHaveCount(0);
  await expect(frame.getByTestId('methods-empty')).toHaveText(en.methods_empty);

  const first = await received(page);
  expect(first[0]).toEqual({ protocol: 'security-info', version: 1, type: 'ready', locale: 'en', bearerTokens: true });
  await expectMessage(page, (m) => m.type === 'resize' && typeof m.height === 'number' && m.height > 100);
  // The portal sizes its frame from `resize`.
  const frameHeight = await page.locator('#security-info').evaluate((el) => (el as HTMLElement).style.height);
  expect(frameHeight).toMatch(/^\d+px$/);

  // Add method -> Email -> address -> the mailed code.
  const address = 'alice.private@example.org';
  const startedAt = new Date().toISOString();
  const emailDialog = await askForCode(frame, address);
  await expect(emailDialog.getByText(fill(en.code_sent, { destination: address }))).toBeVisible();
  const code = codeOf(await nextMail(app.apiUrl, address, startedAt));
  await emailDialog.getByLabel(en.code_label, { exact: true }).fill(code);
  await emailDialog.getByRole('button', { name: en.next }).click();
  await expect(emailDialog).toBeHidden();
  await expect(frame.getByRole('status')).toHaveText(fill(en.method_added, { detail: address }));
  await expectMessage(page, (m) => m.type === 'methods-changed' && m.change === 'added');
  const added = (await received(page)).find((m) => m.type === 'methods-changed');
  // No address or other personal data goes to the portal.
  expect(added).toEqual({ protocol: 'security-info', version: 1, type: 'methods-changed', change: 'added', methodType: 'email' });

  // Delete -> Yes.
  const list = frame.getByRole('list', { name: en.methods_label });
  const deleteLabel = fill(en.delete_link_label, { method: en.method_type_email, detail: address });
  await list.getByRole('button', { name: exact(deleteLabel) }).click();
  const confirm = frame.getByRole('dialog', { name: en.delete_title });
  await confirm.getByRole('button', { name: en.yes, exact: true }).click();
  await expect(confirm).toBeHidden();
  await expect(frame.getByRole('status')).toHaveText(fill(en.method_deleted, { detail: address }));
  await expectMessage(page, (m) => m.type === 'methods-changed' && m.change === 'deleted');
  // Nothing asked for a password or a sign-in inside the frame.
  expect((await received(page)).filter((m) => m.type === 'reauthentication-required')).toEqual([]);
});

test('with a token from the portal, an authenticator app is set up in the frame: the QR code comes with the token', async ({
  page,
}) => {
  const frame = await openPortal(page, portal, await oidc.issue('carol'));
  await expect(frame.getByTestId('methods-empty')).toBeVisible();
  await frame.getByRole('button', { name: en.add_method }).click();
  const add = frame.getByRole('dialog', { name: en.add_title });
  await add.getByLabel(en.add_question).selectOption({ label: en.method_type_authenticator_app });
  await add.getByRole('button', { name: en.add_submit }).click();
  const setup = frame.getByRole('dialog', { name: en.method_type_authenticator_app });
  await setup.getByRole('button', { name: en.next }).click();
  // No cookie in this frame: only a request that carries the token gets the QR code.
  await expect(setup.getByRole('img', { name: en.app_qr_alt }).locator('svg path')).toHaveCount(1);
  await setup.getByRole('button', { name: en.app_cant_scan }).click();
  const secret = ((await setup.getByTestId('app-secret').textContent()) ?? '').replace(/ /g, '');
  await setup.getByRole('button', { name: en.next }).click();
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
  await setup.getByLabel(en.code_label, { exact: true }).fill(totp.generate());
  await setup.getByRole('button', { name: en.next }).click();
  await expect(setup).toBeHidden();
  await expectMessage(
    page,
    (m) => m.type === 'methods-changed' && m.change === 'added' && m.methodType === 'authenticatorApp',
  );
});

test("inside the frame, a security key is added in a window of the app's own, and the frame shows it", async ({
  page,
}) => {
  const frame = await openPortal(page, portal, await oidc.issue('dave'));
  await expect(frame.getByTestId('methods-empty')).toBeVisible();
  // The portal delegates WebAuthn to the frame, and the app's policy allows it.
  await expect(page.locator('#security-info')).toHaveAttribute('allow', /publickey-credentials-create/);
  await frame.getByRole('button', { name: en.add_method }).click();
  const add = frame.getByRole('dialog', { name: en.add_title });
  await add.getByLabel(en.add_question).selectOption({ label: en.method_type_security_key });
  await add.getByRole('button', { name: en.add_submit }).click();
  const setup = frame.getByRole('dialog', { name: en.method_type_security_key });
  // A credential made in this cross-origin frame would be refused: the frame hands off.
  await expect(setup.getByText(en.key_in_frame)).toBeVisible();
  const opened = page.context().waitForEvent('page');
  await setup.getByRole('button', { name: en.key_continue }).click();
  const popup = await opened;
  await expect(setup.getByText(en.key_waiting_window)).toBeVisible();
  await expect(setup.getByRole('link', { name: en.key_open_window })).toHaveAttribute(
    'href',
    /^\/add-security-key#registration=/,
  );

  // The window: the app on its own origin, top-level, with no session of its own.
  expect(new URL(popup.url()).origin).toBe(app.url);
  await plugKey(popup);
  await expect(popup.getByRole('heading', { level: 1, name: en.key_window_title })).toBeVisible();
  await expect(popup.getByText(fill(en.key_window_for, { account: 'dave@example.net' }))).toBeVisible();
  await expectAccessible(popup, 'security key window');
  await popup.getByRole('button', { name: en.next }).click();
  await popup.getByLabel(en.key_name_label).fill('Portal key');
  const closed = popup.waitForEvent('close');
  await popup.getByRole('button', { name: en.done }).click();
  await expect(popup.getByRole('status')).toHaveText(fill(en.key_window_done, { name: 'Portal key' }));
  await closed;

  // The frame saw the registration complete: the key is listed, and the portal told.
  await expect(setup).toBeHidden();
  await expect(frame.locator('.method-detail')).toHaveText(['Portal key']);
  await expectMessage(
    page,
    (m) => m.type === 'methods-changed' && m.change === 'added' && m.methodType === 'securityKey',
  );
});

test('a dialog taller than the page grows the frame while it is open, and the frame shrinks back after', async ({ page }) => {
  const frame = await openPortal(page, portal, await oidc.issue('bob'));
  await expect(frame.getByTestId('methods-empty')).toBeVisible();
  const iframe = page.locator('#security-info');
  const frameHeight = () => iframe.evaluate((el) => el.getBoundingClientRect().height);
  await expect.poll(frameHeight).toBeGreaterThan(100);
  const pageHeight = await frameHeight();

  // Add method -> Email -> an address: the code dialog, the tallest one.
  const dialog = await askForCode(frame, 'bob.private@example.org');
  await expect(dialog.getByLabel(en.code_label, { exact: true })).toBeVisible();
  // Every dialog fits this page in English; a longer text (another language, a larger font)
  // can make one taller than the page. Stand in for that with a block of content.
  await dialog.evaluate((el) => {
    const filler = document.createElement('div');
    filler.style.height = '700px';
    el.append(filler);
  });
  const dialogHeight = await dialog.evaluate((el) => el.scrollHeight);
  expect(dialogHeight).toBeGreaterThan(pageHeight);
  await expect.poll(frameHeight).toBeGreaterThan(dialogHeight);
  // Nothing of it is cut off or hidden behind a scrollbar inside the frame.
  const fit = await dialog.evaluate((el) => {
    const box = el.getBoundingClientRect();
    return { scrolls: el.scrollHeight > el.clientHeight, top: box.top, bottom: box.bottom, viewport: window.innerHeight };
  });
  expect(fit.scrolls).toBe(false);
  expect(fit.top).toBeGreaterThanOrEqual(0);
  expect(fit.bottom).toBeLessThanOrEqual(fit.viewport);

  await dialog.press('Escape');
  await expect(dialog).toBeHidden();
  await expect.poll(frameHeight).toBeLessThan(dialogHeight);
});

test('locale and theme messages from the portal apply live', async ({ page }) => {
  const frame = await openPortal(page, portal, await oidc.issue('bob'));
  await expect(frame.getByRole('heading', { level: 1, name: en.security_title })).toBeVisible();
  await page.getByLabel('Language').selectOption('nl-NL');
  await page.getByRole('button', { name: 'Send locale' }).click();
  await expect(frame.getByRole('heading', { level: 1, name: nl.security_title })).toBeVisible();
  await expect(frame.locator('html')).toHaveAttribute('lang', 'nl');

  await page.getByRole('button', { name: 'Purple theme' }).click();
  await expect
    .poll(() => frame.locator('html').evaluate((el) => getComputedStyle(el).getPropertyValue('--si-accent').trim()))
    .toBe('#5b2a86');
});

test('inside the frame no word is cut and nothing scrolls sideways, in both languages and at every width', async ({ page }) => {
  const frame = await openPortal(page, portal, await oidc.issue('bob'));
  await expect(frame.getByRole('heading', { level: 1, name: en.security_title })).toBeVisible();
  for (const [locale, t] of [
    ['en', en],
    ['nl-NL', nl],
  ] as const) {
    await page.getByLabel('Language').selectOption(locale);
    await page.getByRole('button', { name: 'Send locale' }).click();
    await expect(frame.getByRole('heading', { level: 1, name: t.security_title })).toBeVisible();
    const emailRow = frame
      .getByRole('row')
      .filter({ has: frame.getByRole('rowheader', { name: t.method_type_email, exact: true }) });
    await expect(emailRow.getByRole('cell', { name: t.usage_password_reset_only_long })).toBeVisible();
    for (const width of [1280, 768, 320]) {
      await page.setViewportSize({ width, height: 900 });
      const main = frame.locator('main');
      expect(await cutWords(main), `${locale} at ${width} px`).toEqual([]);
      const overflow = await main.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `sideways scrolling in the frame, ${locale} at ${width} px`).toBeLessThanOrEqual(0);
    }
  }
});

test('messages from a foreign origin or in a wrong shape change nothing', async ({ page }) => {
  const frame = await openPortal(page, portal, await oidc.issue('bob'));
  await expect(frame.getByRole('heading', { level: 1, name: en.security_title })).toBeVisible();
  const accent = () =>
    frame.locator('html').evaluate((el) => (el as HTMLElement).style.getPropertyValue('--si-accent'));

  // From the right origin, but not the documented shape.
  await page.evaluate((appOrigin) => {
    const target = (document.getElementById('security-info') as HTMLIFrameElement).contentWindow!;
    const base = { protocol: 'security-info', version: 1 };
    for (const message of [
      { ...base, type: 'locale', locale: 'nl', extra: true },
      { ...base, version: 2, type: 'locale', locale: 'nl' },
      { ...base, protocol: 'other', type: 'locale', locale: 'nl' },
      { ...base, type: 'locale', locale: ['nl'] },
      { ...base, type: 'Locale', locale: 'nl' },
      'nl',
      { ...base, type: 'theme', tokens: { '--si-accent': 'red', '--si-bg': 'url(https://evil.example/x)' } },
      { ...base, type: 'theme', tokens: { '--si-accent': 'red; color: red' } },
      { ...base, type: 'theme', tokens: { color: 'red' } },
      { ...base, type: 'token', token: 'not a token' },
    ]) {
      target.postMessage(message, appOrigin);
    }
  }, new URL(app.url).origin);

  // From a page on another origin, in the right shape.
  await page.evaluate((src) => {
    const other = document.createElement('iframe');
    other.src = src;
    document.body.append(other);
  }, `${foreign.origin}/index.html`);
  await expect(page.frameLocator('iframe >> nth=1').locator('#done')).toHaveText('sent');

  // Then a proper message, so everything before it has been handled.
  await page.getByRole('button', { name: 'Send locale' }).click();
  await expect(frame.getByRole('heading', { level: 1, name: en.security_title })).toBeVisible();
  await expect(frame.locator('html')).toHaveAttribute('lang', 'en');
  expect(await accent()).toBe('');
  // The channel works: the same locale message from the portal does switch.
  await page.getByLabel('Language').selectOption('nl-NL');
  await page.getByRole('button', { name: 'Send locale' }).click();
  await expect(frame.getByRole('heading', { level: 1, name: nl.security_title })).toBeVisible();
});

test('a page on an origin that is not configured cannot frame the app', async ({ page }) => {
  // The server answers with a policy that names only the configured portal...
  const answer = await fetch(`${app.apiUrl}/security-info?embed=1`);
  expect(answer.status).toBe(200);
  const policy = answer.headers.get('content-security-policy') ?? '';
  expect(policy).toContain(`frame-ancestors 'self' ${portal.origin}`);
  expect(policy.split(/[\s;]+/)).not.toContain(stranger.origin);
  // ...so the browser never renders the app in a frame on another origin.
  const frame = await openPortal(page, stranger);
  // Chromium shows its own "blocked" error page in the frame instead of the app.
  await expect
    .poll(() => page.frames().find((f) => f !== page.mainFrame())?.url() ?? '')
    .toMatch(/^chrome-error:/);
  await expect(frame.locator('#main')).toHaveCount(0);
  await expect(frame.getByText(en.security_title)).toHaveCount(0);
  expect(await received(page)).toEqual([]);
  // The control: the configured portal does get the app.
  const allowed = await openPortal(page, portal);
  await expectMessage(page, (m) => m.type === 'ready');
  await expect(allowed.locator('body')).toBeVisible();
});

test('a change with a stale sign-in asks the portal for a fresh token instead of a password', async ({ page }) => {
  const stale = await oidc.issue('carol', 3600);
  const frame = await openPortal(page, portal, stale);
  await expect(frame.getByRole('heading', { level: 1, name: en.security_title })).toBeVisible();
  // The portal will answer the next request with a token from a fresh sign-in.
  await page.getByLabel('Token').fill(await oidc.issue('carol'));

  const address = 'carol.private@example.org';
  const emailDialog = await askForCode(frame, address);
  await expect(emailDialog.getByText(fill(en.code_sent, { destination: address }))).toBeVisible();
  await expect(frame.getByRole('dialog', { name: en.reauth_title })).toHaveCount(0);
  const asked = (await received(page)).filter((m) => m.type === 'reauthentication-required');
  expect(asked).toEqual([{ protocol: 'security-info', version: 1, type: 'reauthentication-required', maxAgeSeconds: 600 }]);
});
