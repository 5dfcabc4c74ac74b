import { createHmac, timingSafeEqual } from 'node:crypto';

// Keyed hashes of one-time secrets and bearer secrets. The database only ever holds these.
// A key ring lets keys rotate: the first key hashes new secrets, every key is tried when looking
// one up, so secrets issued under an older key keep working until they expire.

export interface SecretHasher {
  /** The hash to store for a new secret (first key). */
  hash(secret: string): string;
  /** Every hash the secret may be stored under (one per key), for lookups by hash. */
  candidates(secret: string): string[];
  /** Constant-time check of a secret against a stored hash. */
  matches(secret: string, storedHash: string): boolean;
}

export function createSecretHasher(keys: readonly Buffer[]): SecretHasher {
  const [signingKey] = keys;
  if (signingKey === undefined) throw new Error('createSecretHasher: at least one key is required');
  const hmac = (key: Buffer, secret: string): string => createHmac('sha256', key).update(secret, 'utf8').digest('base64url');
  return {
    hash: (secret) => hmac(signingKey, secret),
    candidates: (secret) => keys.map((key) => hmac(key, secret)),
    matches: (secret, storedHash) => {
      const stored = Buffer.from(storedHash, 'utf8');
      let found = false;
      // Every key is tried, whatever matched first, so timing does not tell which key it was.
      for (const key of keys) {
        const candidate = Buffer.from(hmac(key, secret), 'utf8');
        if (candidate.length === stored.length && timingSafeEqual(candidate, stored)) found = true;
      }
      return found;
    },
  };
}
