import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

// Secrets at rest (signing keys, the HMAC key ring, dev-outbox messages) are sealed with
// AES-256-GCM under the key-encryption key (KEK) from KEYSTATE_MASTER_KEY, so a copy of the
// database alone cannot sign a token or recover a pending passcode. Each value is bound to where it
// is stored (the `aad`, e.g. "signing_key:<kid>"): a sealed value copied into another row fails to
// open instead of being accepted as that row's secret.
//
// Format: ks1.<kek id>.<iv>.<ciphertext>.<tag>, base64url parts. The KEK id (a hash prefix of the
// key, not the key) tells a wrong KEYSTATE_MASTER_KEY apart from a corrupted value.

const PREFIX = 'ks1';
const IV_BYTES = 12;

export class SealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealError';
  }
}

export interface Sealer {
  /** Identifies the KEK (safe to log). */
  readonly kekId: string;
  seal(plaintext: string, aad: string): string;
  open(sealed: string, aad: string): string;
}

/** True when a stored value is in the sealed format (anything else is legacy plaintext). */
export const isSealed = (value: string): boolean => value.startsWith(`${PREFIX}.`);

function kekIdOf(kek: Buffer): string {
  return createHash('sha256').update('keystate-kek-id').update(kek).digest('base64url').slice(0, 8);
}

export function createSealer(kek: Buffer): Sealer {
  if (kek.length !== 32) throw new SealError('the key-encryption key must be 32 bytes');
  const kekId = kekIdOf(kek);
  return {
    kekId,
    seal(plaintext, aad) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', kek, iv);
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [PREFIX, kekId, iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open(sealed, aad) {
      const [prefix, id, iv, ciphertext, tag, ...rest] = sealed.split('.');
      if (prefix !== PREFIX || id === undefined || iv === undefined || ciphertext === undefined || tag === undefined || rest.length > 0) {
        throw new SealError('not a sealed value');
      }
      if (id !== kekId) throw new SealError(`sealed under another key-encryption key (${id}); this server's KEYSTATE_MASTER_KEY is ${kekId}`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(aad, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new SealError(`a sealed value does not open (${aad}): altered, or moved from another row`);
      }
    },
  };
}
