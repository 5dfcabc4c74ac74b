import type { JWK } from 'jose';
import { type ServerSecretRow, type SigningKeyRow, sealedJwks } from '../repositories/key-repository.js';
import { newSecret } from '../secrets/random.js';
import type { Sealer } from '../secrets/sealer.js';
import type { HmacKey } from '../secrets/secret-hasher.js';

// How each kind of key is sealed, and where (the AAD binds a sealed value to its row).

export const HMAC_PURPOSE = 'secret-hmac';

const signingKeyAad = (kid: string): string => `signing_key:${kid}`;
const serverSecretAad = (id: string): string => `server_secret:${id}`;

export const sealPrivateJwk = (sealer: Sealer, kid: string, jwk: JWK): string => sealer.seal(JSON.stringify(jwk), signingKeyAad(kid));

export function openPrivateJwk(sealer: Sealer, row: SigningKeyRow): JWK {
  if (row.privateKeySealed !== null) return sealedJwks.one(JSON.parse(sealer.open(row.privateKeySealed, signingKeyAad(row.kid))));
  if (row.legacyPrivateJwk !== null) return row.legacyPrivateJwk;
  throw new Error(`signing key ${row.kid} has no private key`);
}

/** 256 random bits, base64url (the HMAC key material). */
export const newHmacSecret = (): string => newSecret();

export const sealHmacKey = (sealer: Sealer, id: string, secret: string): string => sealer.seal(secret, serverSecretAad(id));

export function openHmacKey(sealer: Sealer, row: ServerSecretRow): HmacKey {
  return { id: row.id, key: Buffer.from(sealer.open(row.value, serverSecretAad(row.id)), 'base64url'), activatesAt: row.activatesAt };
}
