// The README's pictures, taken from the real flow: the Security info page with a method and the
// code dialog. They are written to docs/screenshots/ only with UPDATE_SCREENSHOTS=1 (so a test
// run leaves the tree clean); otherwise the flow still runs and the pictures go to test-results.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { startServer, ALAIN, type RunningServer } from '../support/server';
import { fill, openSecurityInfo, signIn, startAddingEmail } from '../support/app';

const here = path.dirname(fileURLToPath(import.meta.url));
const target = (name: string) =>
  process.env.UPDATE_SCREENSHOTS === '1'
    ? path.join(here, '..', '..', '..', 'docs', 'screenshots', name)
    : test.info().outputPath(name);

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server.stop();
});

test('the README pictures show the code dialog and the list with the new method', async ({ page }) => {
  await page.setViewportSize({ width: 1100, height: 720 });
  const t = await signIn(page, server.url, ALAIN, 'en');
  await openSecurityInfo(page, t);
  const address = 'alain@gmail.com';
  const code = await startAddingEmail(page, server.url, t, address);
  const dialog = page.getByRole('dialog', { name: t.code_title });
  await dialog.getByLabel(t.code_label, { exact: true }).fill(code);
  await page.screenshot({ path: target('code-dialog.png') });

  await dialog.getByRole('button', { name: t.next }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('status')).toHaveText(fill(t.method_added, { address }));
  await expect(page.getByRole('list', { name: t.methods_label }).getByText(address)).toBeVisible();
  await page.getByRole('button', { name: t.add_method }).blur();
  await page.screenshot({ path: target('security-info.png') });
});
