import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';

// Keyed hashes of one-time secrets and bearer secrets. The database only ever holds these.
// A key ring lets keys rotate: the newest key that is active hashes new secrets, every key of the
// ring is tried when looking one up, so secrets hashed under an older key keep working until they
// expire (or are re-hashed on use: sessions and client secrets).

export interface HmacKey {
  readonly id: string;
  readonly key: Buffer;
  /** From when this key hashes new secrets (a rotated-in key waits until every instance knows it). */
  readonly activatesAt: number;
}

export interface SecretHasher {
  /** The hash to store for a new secret (current key). */
  hash(secret: string): string;
  /** The hash and the id of the key that made it, for rows that remember their key. */
  hashWithKeyId(secret: string): { readonly hash: string; readonly keyId: string };
  currentKeyId(): string;
  /** Every hash the secret may be stored under (one per key), for lookups by hash. */
  candidates(secret: string): string[];
  /** Constant-time check of a secret against a stored hash. */
  matches(secret: string, storedHash: string): boolean;
}

const hmac = (key: Buffer, secret: string): string => createHmac('sha256', key).update(secret, 'utf8').digest('base64url');

/** The key that hashes at `now`: the latest activated one (ties broken by id, so every instance agrees). */
function currentHmacKey(ring: readonly HmacKey[], now: number): HmacKey {
  let current: HmacKey | undefined;
  for (const key of ring) {
    if (key.activatesAt > now) continue;
    if (current === undefined || key.activatesAt > current.activatesAt || (key.activatesAt === current.activatesAt && key.id > current.id)) current = key;
  }
  const fallback = current ?? ring[0];
  if (fallback === undefined) throw new Error('the HMAC key ring is empty');
  return fallback;
}

/** `ring()` is read on every call, so a refreshed ring takes effect at once. */
export function createSecretHasher(ring: () => readonly HmacKey[], clock: Clock): SecretHasher {
  const current = () => currentHmacKey(ring(), clock.now());
  return {
    hash: (secret) => hmac(current().key, secret),
    hashWithKeyId(secret) {
      const key = current();
      return { hash: hmac(key.key, secret), keyId: key.id };
    },
    currentKeyId: () => current().id,
    candidates: (secret) => ring().map((key) => hmac(key.key, secret)),
    matches(secret, storedHash) {
      const stored = Buffer.from(storedHash, 'utf8');
      let found = false;
      // Every key is tried, whatever matched first, so timing does not tell which key it was.
      for (const key of ring()) {
        const candidate = Buffer.from(hmac(key.key, secret), 'utf8');
        if (candidate.length === stored.length && timingSafeEqual(candidate, stored)) found = true;
      }
      return found;
    },
  };
}
