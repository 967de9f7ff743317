// The server hosts the built app: SPA fallback, caching and compression as browsers see them.
import { expect, test, PolicyWatch } from '../support/test';
import { startServer, type RunningServer } from '../support/server';

let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server.stop();
});

test('a client-side route loads the app on a fresh visit', async ({ page }) => {
  const response = await page.goto(`${server.url}/security-info`);
  expect(response?.status()).toBe(200);
  expect(response?.headers()['cache-control']).toBe('no-cache');
  await expect(page.locator('#main')).toBeVisible();
});

test('a script the app did not ship is refused, and the suite would notice', async ({ browser }) => {
  // Its own context and watch: the violation here is the point, not a failure.
  const watch = new PolicyWatch();
  const context = watch.watch(await browser.newContext());
  const page = await context.newPage();
  await page.goto(`${server.url}/security-info`);
  await expect(page.locator('#main')).toBeVisible();
  // As an injection would: an inline script and an inline style added to the document.
  await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'document.body.dataset.injected = "yes";';
    document.head.append(script);
    const element = document.createElement('p');
    element.setAttribute('style', 'color: rgb(255, 0, 0)');
    element.id = 'injected-style';
    document.body.append(element);
  });
  expect(await page.evaluate(() => document.body.dataset.injected)).toBeUndefined();
  expect(await page.evaluate(() => getComputedStyle(document.getElementById('injected-style')!).color)).not.toBe('rgb(255, 0, 0)');
  await expect.poll(() => watch.violations.length).toBeGreaterThanOrEqual(2);
  await context.close();
});

test('hashed assets are cached for a year and served compressed', async ({ page }) => {
  const assets: { url: string; cacheControl?: string; encoding?: string }[] = [];
  page.on('response', (response) => {
    if (/\.(js|wasm|css)$/.test(new URL(response.url()).pathname)) {
      const headers = response.headers();
      assets.push({
        url: response.url(),
        cacheControl: headers['cache-control'],
        encoding: headers['content-encoding'],
      });
    }
  });
  await page.goto(`${server.url}/`);
  await expect(page.locator('#main')).toBeVisible();
  expect(assets.length).toBeGreaterThanOrEqual(3);
  for (const asset of assets) {
    expect(asset.cacheControl, asset.url).toBe('public, max-age=31536000, immutable');
    expect(asset.encoding, asset.url).toBe('br');
  }
});

test('unknown API paths are never answered with the app', async ({ request }) => {
  const response = await request.get(`${server.url}/api/v1/no-such-thing`);
  expect(response.status()).toBe(404);
  expect(response.headers()['content-type'] ?? '').not.toContain('text/html');
});

test('a missing asset is a 404, not the app', async ({ request }) => {
  const response = await request.get(`${server.url}/missing-0123456789abcdef.js`);
  expect(response.status()).toBe(404);
});

test('a client that only takes gzip gets gzip, and one that takes neither gets the plain file', async ({ request }) => {
  const index = await request.get(`${server.url}/`);
  const html = await index.text();
  const script = html.match(/src="(\/[^"]+\.js)"|href="(\/[^"]+\.js)"/);
  expect(script, 'index.html names the app script').not.toBeNull();
  const asset = `${server.url}${script?.[1] ?? script?.[2]}`;

  const gzip = await request.get(asset, { headers: { 'Accept-Encoding': 'gzip' } });
  expect(gzip.status()).toBe(200);
  expect(gzip.headers()['content-encoding']).toBe('gzip');
  expect(gzip.headers()['vary'] ?? '').toMatch(/accept-encoding/i);

  const plain = await request.get(asset, { headers: { 'Accept-Encoding': 'identity' } });
  expect(plain.status()).toBe(200);
  expect(plain.headers()['content-encoding']).toBeUndefined();
  expect(await plain.text()).toContain('wasm');
});
