// Chromium's own virtual authenticator (CDP WebAuthn domain) standing in for a security key:
// ctap2 over USB, with a PIN or fingerprint that always confirms and a touch that always
// happens, unless the options say otherwise.
import { type CDPSession, type Page } from '@playwright/test';

export interface VirtualKey {
  cdp: CDPSession;
  authenticatorId: string;
}

/** Plugs a virtual authenticator into the browser `page` runs in (a window of its own too). */
export async function plugKey(page: Page, options: Record<string, unknown> = {}): Promise<VirtualKey> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'usb',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
      ...options,
    },
  });
  return { cdp, authenticatorId };
}

/** The credentials the key holds. */
export async function credentialsOn(key: VirtualKey): Promise<{ rpId: string; signCount: number }[]> {
  const { credentials } = await key.cdp.send('WebAuthn.getCredentials', { authenticatorId: key.authenticatorId });
  return credentials as { rpId: string; signCount: number }[];
}
