import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type CryptoKey, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

// The ideal endpoint's secrets: the same primitives the real server uses (jose signatures with a
// key of the configured algorithm and size, HMAC-SHA256 of every stored secret, AES-256-GCM for
// the dev outbox), without the key store around them.

export type Alg = 'ES256' | 'RS256';

export const newId = (): string => randomBytes(16).toString('base64url');
/** 256-bit random secrets: session ids, refresh tokens, link tokens. */
export const newSecret = (): string => randomBytes(32).toString('base64url');
export const newPasscode = (): string => String(randomBytes(4).readUInt32BE() % 1_000_000).padStart(6, '0');

let lastMicros = 0;
/** Epoch microseconds, strictly increasing in this process. */
export const nowMicros = (): number => (lastMicros = Math.max(Math.floor((performance.timeOrigin + performance.now()) * 1000), lastMicros + 1));

export function hasher(key: Buffer) {
  const hash = (value: string): string => createHmac('sha256', key).update(value).digest('base64url');
  return {
    hash,
    /** Constant-time comparison of a presented secret with a stored hash. */
    matches: (value: string, stored: string): boolean => {
      const presented = Buffer.from(hash(value));
      const expected = Buffer.from(stored);
      return presented.length === expected.length && timingSafeEqual(presented, expected);
    },
  };
}

export function sealer(key: Buffer) {
  return {
    seal(plain: string, aad: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(aad));
      const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${iv.toString('base64url')}.${sealed.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
    },
    open(sealed: string, aad: string): string {
      const [iv = '', data = '', tag = ''] = sealed.split('.');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url')).setAAD(Buffer.from(aad));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

export interface Signer {
  sign(payload: JWTPayload, typ: string, ttlSeconds: number): Promise<string>;
}

/** A fresh key like the real server generates (P-256, or RSA 2048). */
export async function createSigner(alg: Alg, issuer: string): Promise<Signer> {
  const { privateKey } = await generateKeyPair(alg, alg === 'RS256' ? { modulusLength: 2048 } : {});
  const kid = newId();
  return {
    sign(payload, typ, ttlSeconds) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT(payload)
        .setProtectedHeader({ alg, kid, typ })
        .setIssuer(issuer)
        .setIssuedAt(now)
        .setExpirationTime(now + ttlSeconds)
        .setJti(newId())
        .sign(privateKey as CryptoKey);
    },
  };
}

/** OIDC at_hash: left half of the SHA-256 of the access token (both algorithms hash with SHA-256). */
export const atHash = (accessToken: string): string => createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url');
