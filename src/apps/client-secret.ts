import type { SecretHasher } from '../secrets/secret-hasher.js';

// Client secrets are 256-bit random values, so a keyed fast hash (HMAC) is the right way to store
// them. The row remembers which HMAC key made the hash: a retired key is kept while a secret still
// depends on it, and a secret is re-hashed under the current key the next time it is presented.

export function clientSecretHashOf(hasher: SecretHasher, secret: string): { clientSecretHash: string; clientSecretKeyId: string } {
  const { hash, keyId } = hasher.hashWithKeyId(secret);
  return { clientSecretHash: hash, clientSecretKeyId: keyId };
}
