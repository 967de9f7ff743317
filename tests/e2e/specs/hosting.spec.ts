// The server hosts the built app: SPA fallback, caching and compression as browsers see them.
import { expect, test } from '@playwright/test';
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
