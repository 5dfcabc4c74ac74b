import { base64Key } from './config-values.js';

// Where the key-encryption key comes from (src/secrets/master-key.ts resolves it at start), as
// loadConfig (src/config.ts) reads it.

export type MasterKeySource =
  | { readonly kind: 'env'; readonly base64: string }
  | { readonly kind: 'file'; readonly path: string }
  /** Development and test only: generated once into the data directory. */
  | { readonly kind: 'generated' };

export function masterKeySource(value: string | undefined, file: string | undefined, production: boolean, problems: string[]): MasterKeySource {
  if (value !== undefined && file !== undefined) {
    problems.push('KEYSTATE_MASTER_KEY and KEYSTATE_MASTER_KEY_FILE: set one, not both');
    return { kind: 'generated' };
  }
  if (value !== undefined) {
    const base64 = base64Key('KEYSTATE_MASTER_KEY', value, problems);
    return base64 === null ? { kind: 'generated' } : { kind: 'env', base64 };
  }
  if (file !== undefined) return { kind: 'file', path: file };
  if (production) {
    problems.push(
      'KEYSTATE_MASTER_KEY: required in production (or KEYSTATE_MASTER_KEY_FILE): 32 random bytes in base64, e.g. `openssl rand -base64 32`; ' + 'it encrypts signing keys and HMAC keys at rest',
    );
  }
  return { kind: 'generated' };
}
