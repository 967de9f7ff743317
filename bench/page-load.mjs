// Page-load and interaction benchmark in Debian's headless Chromium (driven by `cargo xtask bench`).
// Usage: node bench/page-load.mjs <base-url> <session-cookie-value> <add-method-label>
// Prints one JSON line: cold loads until the method list is rendered (the app's
// `methods-rendered` performance mark) with the median of each phase, the JS heap after load,
// and click-to-dialog times.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'tests', 'e2e', 'package.json'));
const { chromium } = require('@playwright/test');

const [base, cookieValue, addMethodLabel] = process.argv.slice(2);
const LOADS = 30;
const CLICKS = 30;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
    '--enable-precise-memory-info'],
});
const url = new URL(base);
const cookie = { name: 'si_session', value: cookieValue, domain: url.hostname, path: '/', httpOnly: true, sameSite: 'Lax' };

async function freshPage() {
  const context = await browser.newContext();
  await context.addCookies([cookie]);
  return { context, page: await context.newPage() };
}

async function waitForMark(page) {
  await page.waitForFunction(() => performance.getEntriesByName('methods-rendered').length > 0, null, { timeout: 30_000 });
  return page.evaluate(() => performance.getEntriesByName('methods-rendered')[0].startTime);
}

// Where a cold load's time goes, from the browser's own timings (ms since navigation start):
// the document, the app's files (JS, wasm, CSS), the app starting until its first API call
// (wasm compile and instantiate, mount, routing), the API calls, and rendering what they
// returned until the list is shown.
async function phases(page) {
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const resources = performance.getEntriesByType('resource');
    const files = resources.filter((r) => /\.(js|wasm|css)$/.test(new URL(r.name).pathname));
    const api = resources.filter((r) => new URL(r.name).pathname.startsWith('/api/'));
    const mark = performance.getEntriesByName('methods-rendered')[0].startTime;
    const filesEnd = Math.max(...files.map((r) => r.responseEnd));
    const apiStart = Math.min(...api.map((r) => r.startTime));
    const apiEnd = Math.max(...api.filter((r) => r.startTime < mark).map((r) => r.responseEnd));
    return {
      document: nav.responseEnd,
      files: filesEnd - nav.responseEnd,
      appStart: apiStart - filesEnd,
      api: apiEnd - apiStart,
      render: mark - apiEnd,
    };
  });
}

const loads = [];
const breakdowns = [];
let heap = 0;
let transferred = 0;
for (let i = 0; i < LOADS; i++) {
  const { context, page } = await freshPage();
  let bytes = 0;
  if (i === 0) {
    page.on('requestfinished', async (request) => {
      const sizes = await request.sizes().catch(() => null);
      if (sizes) bytes += sizes.responseBodySize + sizes.responseHeadersSize;
    });
  }
  await page.goto(`${base}/security-info`);
  loads.push(await waitForMark(page));
  breakdowns.push(await phases(page));
  if (i === 0) {
    await page.waitForLoadState('networkidle');
    transferred = bytes;
    heap = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? 0);
  }
  await context.close();
}

const clicks = [];
{
  const { context, page } = await freshPage();
  await page.goto(`${base}/security-info`);
  await waitForMark(page);
  const button = page.getByRole('button', { name: addMethodLabel });
  for (let i = 0; i < CLICKS; i++) {
    await button.waitFor();
    const ms = await page.evaluate(async (label) => {
      const target = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === label);
      const shown = new Promise((resolve) => {
        const check = () => document.querySelector('dialog[open]');
        const observer = new MutationObserver(() => {
          if (check()) { observer.disconnect(); resolve(performance.now()); }
        });
        observer.observe(document.body, { subtree: true, childList: true, attributes: true });
      });
      const start = performance.now();
      target.click();
      return (await shown) - start;
    }, addMethodLabel);
    clicks.push(ms);
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('dialog[open]'));
  }
  await context.close();
}
await browser.close();

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const rank = (xs, p) => sorted(xs)[Math.min(xs.length, Math.max(1, Math.ceil((p / 100) * xs.length))) - 1];
console.log(JSON.stringify({
  loads: LOADS,
  methodsRenderedMedianMs: rank(loads, 50),
  methodsRenderedP95Ms: rank(loads, 95),
  // Median of each phase on its own (they need not add up to the median total).
  phasesMedianMs: Object.fromEntries(
    Object.keys(breakdowns[0]).map((phase) => [phase, rank(breakdowns.map((b) => b[phase]), 50)]),
  ),
  jsHeapBytes: heap,
  firstVisitTransferredBytes: transferred,
  clicks: CLICKS,
  addMethodDialogMedianMs: rank(clicks, 50),
}));
