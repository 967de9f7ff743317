// Adding security questions as a user does, with the type allowed by the organization (it is
// off by default): password reset only, the organization's number of pickers, the app's own
// checks and the server's (an answer with the user's name), listed with the count, deleted;
// English and Dutch, axe in every new state, and the whole form with the keyboard alone.
import { type Locator, type Page } from '@playwright/test';
import { expect, test } from '../support/test';
import { startServer, ALAIN, MEGAN, type RunningServer } from '../support/server';
import { expectAccessible, fill, openSecurityInfo, signIn, type Lang, type Messages } from '../support/app';

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer({ SECURITY_INFO_ALLOWED_METHODS: 'email,securityQuestions' });
});
test.afterAll(async () => {
  await server.stop();
});

async function openQuestions(page: Page, t: Messages): Promise<Locator> {
  await page.getByRole('button', { name: t.add_method }).click();
  const choose = page.getByRole('dialog', { name: t.add_title });
  await choose.getByLabel(t.add_question).selectOption({ label: t.method_type_security_questions });
  await choose.getByRole('button', { name: t.add_submit }).click();
  return page.getByRole('dialog', { name: t.method_type_security_questions });
}

/** The group of question `n` (1-based). */
function group(dialog: Locator, t: Messages, n: number): Locator {
  return dialog.getByRole('group', { name: fill(t.questions_legend, { number: n }) });
}

for (const [lang, user, name] of [
  ['en', ALAIN, 'alain'],
  ['nl', MEGAN, 'megan'],
] as [Lang, string, string][]) {
  test(`security questions are chosen, answered, listed with their count and deleted (${lang})`, async ({ page }) => {
    test.setTimeout(60_000);
    const t = await signIn(page, server.url, user, lang);
    await openSecurityInfo(page, t);
    // The table says what they serve.
    await expect(page.getByRole('row', { name: new RegExp(t.method_type_security_questions) })).toContainText(
      t.usage_password_reset_only_long,
    );
    const dialog = await openQuestions(page, t);
    await expect(dialog.getByText(t.questions_intro)).toBeVisible();
    await expectAccessible(page, 'security questions intro');
    await dialog.getByRole('button', { name: t.next }).click();

    await expect(dialog.getByRole('group')).toHaveCount(3);
    const first = group(dialog, t, 1);
    await expect(first.getByLabel(t.questions_choose)).toBeFocused();
    // The app's own checks: nothing chosen, then an answer too short, the same question twice.
    await dialog.getByRole('button', { name: t.done }).click();
    await expect(first.getByText(t.questions_error_choose)).toBeVisible();
    await expect(first.getByLabel(t.questions_choose)).toBeFocused();
    await expectAccessible(page, 'security questions with errors');
    const options = await first.getByLabel(t.questions_choose).locator('option').allTextContents();
    expect(options.length).toBeGreaterThan(20);
    expect(options).not.toContain(t.questions_own_option); // own questions are off here
    for (const [n, option, answer] of [
      [1, 1, 'Rex the dog'],
      [2, 2, 'ab'],
      [3, 1, 'Pippi'],
    ] as [number, number, string][]) {
      await group(dialog, t, n).getByLabel(t.questions_choose).selectOption({ label: options[option] });
      await group(dialog, t, n).getByLabel(t.questions_answer_label).fill(answer);
    }
    await dialog.getByRole('button', { name: t.done }).click();
    await expect(group(dialog, t, 2).getByText(t.problem_answer_too_short)).toBeVisible();
    await expect(group(dialog, t, 2).getByLabel(t.questions_answer_label)).toBeFocused();
    await expect(group(dialog, t, 3).getByText(t.problem_question_repeated)).toBeVisible();
    // The server's check: an answer with the user's name, shown at its question.
    await group(dialog, t, 2).getByLabel(t.questions_answer_label).fill(`School of ${name}`);
    await group(dialog, t, 3).getByLabel(t.questions_choose).selectOption({ label: options[3] });
    await dialog.getByRole('button', { name: t.done }).click();
    await expect(group(dialog, t, 2).getByText(t.problem_answer_contains_name)).toBeVisible();
    await expect(group(dialog, t, 2).getByLabel(t.questions_answer_label)).toBeFocused();
    await expectAccessible(page, 'security questions refused by the server');
    await group(dialog, t, 2).getByLabel(t.questions_answer_label).fill('De Klimop');
    await dialog.getByRole('button', { name: t.done }).click();
    await expect(dialog).toBeHidden();

    const count = fill(t.questions_count, { count: 3 });
    const row = page.locator('.method', { hasText: t.method_type_security_questions });
    await expect(row.locator('.method-detail')).toHaveText(count);
    await expect(row.locator('.method-usage')).toHaveText(t.usage_password_reset_only);
    await expect(page.getByRole('status')).toHaveText(fill(t.method_added, { detail: count }));
    // No answer is ever shown again.
    await expect(page.getByText('Rex the dog')).toHaveCount(0);

    const method = t.method_type_security_questions;
    await row.getByRole('button', { name: fill(t.delete_link_label, { method, detail: count }) }).click();
    const confirm = page.getByRole('dialog', { name: t.delete_title });
    await confirm.getByRole('button', { name: t.yes, exact: true }).click();
    await expect(confirm).toBeHidden();
    await expect(page.getByTestId('methods-empty')).toBeVisible();
  });
}

test('security questions are chosen and answered with the keyboard alone', async ({ page }) => {
  test.setTimeout(60_000);
  const t = await signIn(page, server.url, ALAIN, 'en');
  await openSecurityInfo(page, t);
  const dialog = await openQuestions(page, t);
  const kb = page.keyboard;
  await expect(dialog.getByRole('button', { name: t.next })).toBeFocused();
  await kb.press('Enter');
  await expect(group(dialog, t, 1).getByLabel(t.questions_choose)).toBeFocused();
  for (const [n, answer] of [
    [1, 'Rex the dog'],
    [2, 'De Klimop'],
    [3, 'Pippi'],
  ] as [number, string][]) {
    const select = group(dialog, t, n).getByLabel(t.questions_choose);
    await expect(select).toBeFocused();
    // The n-th question of the list: a different one for each picker.
    for (let i = 0; i < n; i++) await kb.press('ArrowDown');
    await kb.press('Tab');
    await expect(group(dialog, t, n).getByLabel(t.questions_answer_label)).toBeFocused();
    await kb.type(answer);
    if (n < 3) await kb.press('Tab');
  }
  await kb.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(page.locator('.method-detail')).toHaveText(fill(t.questions_count, { count: 3 }));
  // Clean up for the other tests of this file.
  const method = t.method_type_security_questions;
  const detail = fill(t.questions_count, { count: 3 });
  await page.getByRole('button', { name: fill(t.delete_link_label, { method, detail }) }).click();
  await page.getByRole('dialog', { name: t.delete_title }).getByRole('button', { name: t.yes, exact: true }).click();
  await expect(page.getByTestId('methods-empty')).toBeVisible();
});
