// Sign out everywhere (OWASP ASVS 7.4.3): from Security info, after a confirmation, every
// session of the account ends, this browser's and another browser's alike; the sign-in page
// says so and Recent activity lists it. It is offered again right after a method is deleted.
import { type Browser, type Page } from '@playwright/test';
import { expect, test, type PolicyWatch } from '../support/test';
import { startServer, ALAIN, MEGAN, type RunningServer } from '../support/server';
import {
  exact,
  expectAccessible,
  fill,
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

/** A page in a browser of its own (own cookies), watched for policy violations. */
async function freshPage(browser: Browser, policy: PolicyWatch): Promise<Page> {
  const context = policy.watch(await browser.newContext());
  return context.newPage();
}

/** The section at the end of Security info. */
function everywhereSection(page: Page, t: Messages) {
  return page.getByRole('region', { name: t.everywhere_heading });
}

/** Confirms in the open dialog and checks the sign-in page that follows. */
async function confirmAndLandOnSignIn(page: Page, t: Messages): Promise<void> {
  const dialog = page.getByRole('dialog', { name: t.sign_out_everywhere });
  await dialog.getByRole('button', { name: t.everywhere_confirm, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: t.signin_title })).toBeVisible();
  await expect(page).toHaveURL(/\/signin$/);
  await expect(page.getByRole('status')).toHaveText(t.signed_out_everywhere);
}

test('signs out this browser and every other one, and Recent activity says so', async ({ browser, policy }) => {
  const here = await freshPage(browser, policy);
  const elsewhere = await freshPage(browser, policy);
  const t = await signIn(here, server.url, ALAIN, 'en');
  await signIn(elsewhere, server.url, ALAIN, 'en');
  await openSecurityInfo(here, t);
  await openSecurityInfo(elsewhere, t);
  // Nothing was deleted: only the section offers it, not the note after a delete.
  await expect(here.getByText(t.everywhere_after_delete)).toHaveCount(0);

  const section = everywhereSection(here, t);
  await expect(section.getByText(t.everywhere_text)).toBeVisible();
  const open = section.getByRole('button', { name: t.sign_out_everywhere, exact: true });
  await open.click();
  const dialog = here.getByRole('dialog', { name: t.sign_out_everywhere });
  await expect(dialog.getByText(t.everywhere_question)).toBeVisible();
  await expectAccessible(here, 'sign out everywhere');

  // Cancel changes nothing and gives focus back.
  await dialog.getByRole('button', { name: t.cancel }).click();
  await expect(dialog).toBeHidden();
  await expect(open).toBeFocused();
  await elsewhere.reload();
  await expect(elsewhere.getByRole('heading', { level: 1, name: t.security_title })).toBeVisible();

  await open.click();
  await confirmAndLandOnSignIn(here, t);
  // This browser's session is gone, not only its page.
  await here.goto(`${server.url}/security-info`);
  await expect(here.getByRole('heading', { level: 1, name: t.signin_title })).toBeVisible();

  // The other browser finds out at its next request.
  await elsewhere.reload();
  await expect(elsewhere.getByRole('heading', { level: 1, name: t.signin_title })).toBeVisible();
  await expect(elsewhere).toHaveURL(/\/signin\?next=%2Fsecurity-info$/);

  await signIn(here, server.url, ALAIN, 'en');
  await here.getByRole('navigation').getByRole('link', { name: t.nav_activity }).click();
  await expect(here.getByRole('heading', { level: 1, name: t.activity_title })).toBeVisible();
  await expect(here.getByText(t.activity_kind_sign_out_everywhere, { exact: true })).toHaveCount(1);
});

test('in Dutch', async ({ browser, policy }) => {
  const page = await freshPage(browser, policy);
  const t = await signIn(page, server.url, MEGAN, 'nl');
  await openSecurityInfo(page, t);
  await expect(everywhereSection(page, t).getByRole('heading', { name: t.everywhere_heading })).toBeVisible();
  await everywhereSection(page, t).getByRole('button', { name: t.sign_out_everywhere, exact: true }).click();
  const dialog = page.getByRole('dialog', { name: t.sign_out_everywhere });
  await expect(dialog.getByText(t.everywhere_question)).toBeVisible();
  await expect(dialog.getByRole('button', { name: t.cancel })).toBeVisible();
  await confirmAndLandOnSignIn(page, t);
  await expect(page.locator('html')).toHaveAttribute('lang', 'nl');
});

test('right after a method is deleted, the offer follows the status', async ({ browser, policy }) => {
  const page = await freshPage(browser, policy);
  const t = await signIn(page, server.url, ALAIN, 'en');
  await openSecurityInfo(page, t);
  const address = 'alain.lost@example.com';
  const code = await startAddingEmail(page, server.url, t, address);
  const email = page.getByRole('dialog', { name: t.method_type_email });
  await email.getByLabel(t.code_label, { exact: true }).fill(code);
  await email.getByRole('button', { name: t.next }).click();
  await expect(email).toBeHidden();
  await expect(page.getByText(t.everywhere_after_delete)).toHaveCount(0);

  const list = page.getByRole('list', { name: t.methods_label });
  const deleteLabel = fill(t.delete_link_label, { method: t.method_type_email, detail: address });
  await list.getByRole('button', { name: exact(deleteLabel) }).click();
  const confirm = page.getByRole('dialog', { name: t.delete_title });
  await confirm.getByRole('button', { name: t.yes, exact: true }).click();
  await expect(confirm).toBeHidden();
  // The live region keeps announcing only the outcome; the offer is the next thing after it.
  await expect(page.getByRole('status')).toHaveText(fill(t.method_deleted, { detail: address }));
  await expect(page.getByText(t.everywhere_after_delete)).toBeVisible();
  await expectAccessible(page, 'offer after a delete');

  // Focus is back on Add method; the offer's button is the next stop.
  await expect(page.getByRole('button', { name: t.add_method })).toBeFocused();
  await page.keyboard.press('Tab');
  const offer = page
    .getByText(t.everywhere_after_delete)
    .locator('..')
    .getByRole('button', { name: t.sign_out_everywhere, exact: true });
  await expect(offer).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog', { name: t.sign_out_everywhere })).toBeVisible();
  await confirmAndLandOnSignIn(page, t);
});
