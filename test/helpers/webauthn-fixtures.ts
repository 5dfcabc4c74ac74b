import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The ceremonies scripts/record-webauthn-fixtures.ts recorded from headless Chromium: the options
// the server sent, the page's origin and rp id, and the browser's PublicKeyCredential.toJSON().

export type FixtureName = 'registration' | 'assertion-1' | 'assertion-2' | 'assertion-rewound' | 'assertion-uv-off' | 'shop-registration' | 'shop-assertion';

export interface WebauthnFixture {
  readonly rpId: string;
  readonly origin: string;
  /** Creation or request options (WebAuthn L3 JSON); `challenge` is base64url. */
  readonly options: any;
  /** The browser's toJSON() of the credential. */
  readonly response: any;
}

export function webauthnFixture(name: FixtureName): WebauthnFixture {
  return JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'webauthn', `${name}.json`), 'utf8'));
}

/** `webauthn_encoded_result` as our browser helper sends it: standard, padded base64 of the JSON. */
export const encodeResult = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
