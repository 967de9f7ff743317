// Words are never cut at an arbitrary letter: at a phone's, a tablet's and a laptop's width, in
// both languages, the navigation, the method list and the table of what each method serves
// wrap between words, the table's method column fits its longest name, and nothing scrolls
// sideways. (The same check inside the example portal's frame is in embedding.spec.ts.)
import { expect, test } from '../support/test';
import { startServer, ALAIN, MEGAN, type RunningServer } from '../support/server';
import { codeOf, cutWords, nextMail, openSecurityInfo, signIn, startAddingEmail, type Lang } from '../support/app';

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server.stop();
});

const WIDTHS = [1280, 768, 320];

for (const [lang, user, address] of [
  ['en', ALAIN, 'alain.layout@example.com'],
  ['nl', MEGAN, 'megan.layout@example.com'],
] as [Lang, string, string][]) {
  test(`no word is cut and nothing scrolls sideways at ${WIDTHS.join(', ')} px (${lang})`, async ({ page }) => {
    await page.setViewportSize({ width: WIDTHS[0], height: 900 });
    const t = await signIn(page, server.url, user, lang);
    await openSecurityInfo(page, t);
    // A method in the list, so its row is checked too.
    const since = new Date().toISOString();
    await startAddingEmail(page, server.url, t, address);
    const dialog = page.getByRole('dialog', { name: t.method_type_email });
    await dialog.getByLabel(t.code_label, { exact: true }).fill(codeOf(await nextMail(server.url, address, since)));
    await dialog.getByRole('button', { name: t.next }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('list', { name: t.methods_label }).getByText(address)).toBeVisible();
    await expect(page.getByRole('rowheader', { name: t.method_type_email })).toBeVisible();

    const nav = page.getByRole('navigation');
    const menu = page.getByRole('button', { name: t.nav_menu });
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      if (await menu.isVisible()) {
        await menu.click();
        await expect(nav.getByRole('link', { name: t.nav_security_info })).toBeVisible();
      }
      expect(await cutWords(nav), `navigation at ${width} px`).toEqual([]);
      expect(await cutWords(page.locator('main')), `page at ${width} px`).toEqual([]);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `sideways scrolling at ${width} px`).toBeLessThanOrEqual(0);
      if (await menu.isVisible()) await menu.click();
    }
  });
}
