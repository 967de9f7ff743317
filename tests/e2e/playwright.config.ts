import { defineConfig } from '@playwright/test';

// Debian's Chromium (never a downloaded browser), headless, with the background traffic
// this machine's closed network would refuse switched off.
export default defineConfig({
  testDir: './specs',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 2,
  // A `test.only` left in a spec would silently skip every other test: always an error.
  forbidOnly: true,
  // No retries: a test that needs one is a failure (and the xtask counts `flaky` as one).
  retries: 0,
  reporter: [['list'], ['json']],
  use: {
    browserName: 'chromium',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
});
