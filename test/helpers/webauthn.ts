import type { CDPSession, Page } from 'playwright-core';

// A WebAuthn authenticator inside headless Chromium, driven over the DevTools protocol (the
// WebAuthn domain): navigator.credentials.create/get in the page then answer without a person
// or a device, so tests and scripts/record-webauthn-fixtures.ts run real ceremonies. Its
// credentials carry their private keys: they stay inside the test, never in a fixture or a log.

export interface VirtualAuthenticatorOptions {
  /** 'internal' is a platform authenticator (Touch ID, Windows Hello), 'usb' a security key. */
  readonly transport?: 'internal' | 'usb';
  /** Whether it can keep discoverable (resident) credentials: usernameless login needs them. */
  readonly residentKey?: boolean;
  /** Whether it performs user verification (a PIN, a fingerprint) and whether the user passes it. */
  readonly userVerification?: boolean;
  /** Answers presence checks by itself; false leaves every ceremony waiting for a touch. */
  readonly automaticPresence?: boolean;
}

/** A credential as the authenticator holds it (CDP WebAuthn.Credential). */
export interface VirtualCredential {
  readonly credentialId: string;
  readonly isResidentCredential: boolean;
  readonly rpId?: string;
  /** PKCS#8, base64: a test's secret, never written anywhere. */
  readonly privateKey: string;
  readonly userHandle?: string;
  readonly signCount: number;
}

export interface VirtualAuthenticator {
  readonly id: string;
  credentials(): Promise<VirtualCredential[]>;
  /** Adds a credential (a snapshot taken earlier rewinds its sign counter: a cloned authenticator). */
  addCredential(credential: VirtualCredential): Promise<void>;
  removeCredential(credentialId: string): Promise<void>;
  /** Whether the next ceremonies pass user verification. */
  setUserVerified(verified: boolean): Promise<void>;
  /** Removes the authenticator (and its credentials) from the page. */
  remove(): Promise<void>;
}

/** Adds a CTAP2 authenticator to the page: its ceremonies answer without any UI. */
export async function virtualAuthenticator(page: Page, options: VirtualAuthenticatorOptions = {}): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const userVerification = options.userVerification ?? true;
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      ctap2Version: 'ctap2_1',
      transport: options.transport ?? 'internal',
      hasResidentKey: options.residentKey ?? true,
      hasUserVerification: userVerification,
      isUserVerified: userVerification,
      automaticPresenceSimulation: options.automaticPresence ?? true,
    },
  });
  return authenticatorOf(cdp, authenticatorId);
}

function authenticatorOf(cdp: CDPSession, authenticatorId: string): VirtualAuthenticator {
  return {
    id: authenticatorId,
    async credentials() {
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      return credentials;
    },
    async addCredential(credential) {
      await cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
    },
    async removeCredential(credentialId) {
      await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId });
    },
    async setUserVerified(isUserVerified) {
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified });
    },
    async remove() {
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
      await cdp.detach();
    },
  };
}
