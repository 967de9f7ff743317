// Helpers shared by the app's specs: the locale files (the specs never repeat UI strings),
// signing in, reading the latest code from the development mailbox, and axe.
import AxeBuilder from '@axe-core/playwright';
import { expect, type Locator, type Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_PASSWORD } from './server';

export type Lang = 'en' | 'nl';
export type Messages = Record<string, string>;

const here = path.dirname(fileURLToPath(import.meta.url));
const localeDir = path.resolve(here, '../../../locales');

/** The app's own texts for `lang`, from `locales/<lang>.json`. */
export function messages(lang: Lang): Messages {
  return JSON.parse(fs.readFileSync(path.join(localeDir, `${lang}.json`), 'utf8'));
}

/** `text` with its `{name}` placeholders filled. */
export function fill(text: string, args: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in args ? String(args[name]) : whole));
}

/** A regular expression matching `text` literally (for names with placeholders filled). */
export function exact(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

/** Opens the app in `lang` and signs in as `username`; ends on the overview. */
export async function signIn(page: Page, baseUrl: string, username: string, lang: Lang): Promise<Messages> {
  const t = messages(lang);
  await page.goto(`${baseUrl}/?lang=${lang}`);
  await expect(page.getByRole('heading', { level: 1, name: t.signin_title })).toBeVisible();
  await page.getByLabel(t.signin_username).fill(username);
  await page.getByLabel(t.signin_password, { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: t.signin_submit }).click();
  await expect(page.getByRole('heading', { level: 1, name: t.overview_title })).toBeVisible();
  return t;
}

interface DevMail {
  to: string;
  subject: string;
  text: string;
  sentAt: string;
}

/**
 * Waits for a new code mail to `to` (sent after `after`, an ISO time taken just before the
 * request that sends it: the server runs on this machine's clock, and an earlier code mail to
 * the same address a moment before must not pass for the new one) and returns it.
 */
export async function nextMail(baseUrl: string, to: string, after = ''): Promise<DevMail> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const response = await fetch(`${baseUrl}/dev/mailbox`);
    if (response.ok) {
      const { messages: mails } = (await response.json()) as { messages: DevMail[] };
      const mail = mails.find((m) => m.to === to && m.sentAt > after && /\b\d{6,10}\b/.test(m.text));
      if (mail) return mail;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no code mail to ${to} arrived`);
}

/** The code in a code mail (the line that is only digits). */
export function codeOf(mail: DevMail): string {
  const match = mail.text.match(/^\s*(\d{6,10})\s*$/m);
  if (!match) throw new Error(`no code in mail: ${mail.subject}`);
  return match[1];
}

/** Asserts axe finds no WCAG 2.x A/AA violations (nor best-practice ones) on the page. */
export async function expectAccessible(page: Page, state: string): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  const summary = results.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
  expect(summary, `axe violations in state "${state}"`).toEqual([]);
}

/** Opens Security info from the overview's Security info block. */
export async function openSecurityInfo(page: Page, t: Messages): Promise<void> {
  await page.getByRole('link', { name: t.overview_security_link }).click();
  await expect(page.getByRole('heading', { level: 1, name: t.security_title })).toBeVisible();
}

/** Runs the add-email flow up to the code dialog and returns the mailed code. The dialog is
 * named after the type being added all along (`method_type_email`). */
export async function startAddingEmail(page: Page, baseUrl: string, t: Messages, address: string): Promise<string> {
  const startedAt = new Date(Date.now() - 1000).toISOString();
  await page.getByRole('button', { name: t.add_method }).click();
  const dialog = page.getByRole('dialog', { name: t.add_title });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel(t.add_question).selectOption({ label: t.method_type_email });
  await dialog.getByRole('button', { name: t.add_submit }).click();
  const emailDialog = page.getByRole('dialog', { name: t.method_type_email });
  await emailDialog.getByLabel(t.email_question).fill(address);
  await emailDialog.getByRole('button', { name: t.next }).click();
  await expect(emailDialog.getByText(fill(t.code_sent, { destination: address }))).toBeVisible();
  return codeOf(await nextMail(baseUrl, address, startedAt));
}

/**
 * The words inside `root` that are cut over two lines at some letter (a column or menu too
 * narrow for them). Words wrap between words; a break after a hyphen ("two- / step") is a
 * proper one too, unless it leaves a piece of one or two letters ("E- / mail"). Addresses,
 * which have no break points and may break anywhere rather than overflow, and hidden text
 * are skipped.
 */
export async function cutWords(root: Locator): Promise<string[]> {
  return root.evaluate((element) => {
    const lines = (node: Node, start: number, end: number): number => {
      const range = document.createRange();
      range.setStart(node, start);
      range.setEnd(node, end);
      return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.bottom))).size;
    };
    const cut: string[] = [];
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || parent.getClientRects().length === 0) continue;
      for (const word of (node.textContent ?? '').matchAll(/\S+/g)) {
        if (word[0].includes('@')) continue;
        if (lines(node, word.index, word.index + word[0].length) <= 1) continue;
        // On two lines: fine only when broken after a hyphen, between pieces of 3+ letters.
        const pieces = [...word[0].matchAll(/[^-\u2010]+[-\u2010]*/g)];
        const proper = pieces.every(
          (piece) =>
            piece[0].replace(/[-\u2010]/g, '').length >= 3 &&
            lines(node, word.index + piece.index, word.index + piece.index + piece[0].length) <= 1,
        );
        if (!proper) cut.push(word[0]);
      }
    }
    return cut;
  });
}
