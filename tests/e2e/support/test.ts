// The specs' `test`: Playwright's, plus a check that runs in every test without being asked:
// the app must work under its Content-Security-Policy, so any violation the browser reports
// (a blocked script, style, connection...) fails the test that caused it, and so does any
// complaint about the Permissions-Policy header (an unknown feature is logged on every page).
import { expect, test as base, type BrowserContext } from '@playwright/test';

export { expect };

/** Collects the policy violations and header errors Chromium reports in the contexts it watches. */
export class PolicyWatch {
  readonly violations: string[] = [];

  /** Watches every page of `context`, frames included. */
  watch(context: BrowserContext): BrowserContext {
    context.on('console', (message) => {
      const text = message.text();
      // frame-ancestors refusals are the policy working as meant (embedding.spec.ts tests
      // them on purpose); everything else is the app breaking its own policy.
      const policyBroken = text.includes('Content Security Policy') && !text.includes('frame-ancestors');
      if (policyBroken || text.includes('Permissions-Policy')) {
        this.violations.push(text);
      }
    });
    return context;
  }
}

export const test = base.extend<{ policy: PolicyWatch }>({
  policy: [
    async ({ context }, use) => {
      const watch = new PolicyWatch();
      watch.watch(context);
      await use(watch);
      expect(watch.violations, 'Content-Security-Policy violations').toEqual([]);
    },
    { auto: true },
  ],
});
