import type { JWK } from 'jose';
import type { SigningAlg } from '../config.js';
import { insertServerSecret, insertSigningKey, latestSecretActivation, latestSigningActivation, lockKeyRotation, retireServerSecrets, retireSigningKeys } from '../repositories/key-repository.js';
import { newId } from '../secrets/random.js';
import type { Sealer } from '../secrets/sealer.js';
import type { Provider } from '../storage/database-url.js';
import type { Tx } from '../storage/prisma.js';
import { generateSigningKey } from '../tokens/keys.js';
import { HMAC_PURPOSE, newHmacSecret, sealHmacKey, sealPrivateJwk } from './key-sealing.js';

// How a rotation writes its keys.
//
// The key material is made and sealed BEFORE the transaction: an RSA key takes from a tenth of a
// second to seconds on a busy machine, and making it inside held the database (SQLite's one
// connection) while other rotations waited past Prisma's transaction wait and answered 500.
//
// Overlapping rotations (two operators, a retried request, the CLI while the server runs) are
// applied one after another, in the order they commit (`lockKeyRotation`). Each one retires, at its
// new key's activation, every key still live, including one that an overlapping rotation has just
// added; activations strictly increase in commit order. So the key of the rotation that committed
// last is the one that signs (and hashes) in the end, every key stops exactly when its successor
// starts, and a key replaced before its own activation is published but signs for one millisecond
// at most. Each answer stays true: it names the key it added and the keys it retired.

export type KeyKind = 'signing' | 'hmac';

export interface RotationReport {
  readonly signing?: { readonly kid: string; readonly alg: SigningAlg; readonly activatesAt: number; readonly retiring: readonly string[] };
  readonly hmac?: { readonly keyId: string; readonly activatesAt: number; readonly retiring: readonly string[] };
}

/** New keys, sealed, not stored yet. */
export interface PreparedKeys {
  readonly signing?: { readonly kid: string; readonly alg: SigningAlg; readonly privateKeySealed: string; readonly publicJwk: JWK };
  readonly hmac?: { readonly id: string; readonly value: string };
}

export type SigningKeyGenerator = typeof generateSigningKey;

export async function prepareKeys(kinds: readonly KeyKind[], alg: SigningAlg, sealer: Sealer, generate: SigningKeyGenerator = generateSigningKey): Promise<PreparedKeys> {
  let signing: PreparedKeys['signing'];
  if (kinds.includes('signing')) {
    const generated = await generate(alg);
    signing = { kid: generated.kid, alg, privateKeySealed: sealPrivateJwk(sealer, generated.kid, generated.privateJwk), publicJwk: generated.publicJwk };
  }
  let hmac: PreparedKeys['hmac'];
  if (kinds.includes('hmac')) {
    const id = newId();
    hmac = { id, value: sealHmacKey(sealer, id, newHmacSecret()) };
  }
  return { ...(signing ? { signing } : {}), ...(hmac ? { hmac } : {}) };
}

/** A new key activates `delayMs` after `at`, and never at or before a key added before it. */
const activationAfter = (at: number, delayMs: number, latest: number | null): number => Math.max(at + delayMs, latest === null ? -Infinity : latest + 1);

/** Stores prepared keys and retires the ones they replace; `now` is read once the rotation holds the lock. */
export async function writeRotation(tx: Tx, provider: Provider, prepared: PreparedKeys, now: () => number, delayMs: number): Promise<RotationReport> {
  await lockKeyRotation(tx, provider);
  const at = now();
  let signing: RotationReport['signing'];
  if (prepared.signing) {
    const { kid, alg } = prepared.signing;
    const activatesAt = activationAfter(at, delayMs, await latestSigningActivation(tx));
    await insertSigningKey(tx, { ...prepared.signing, createdAt: at, activatesAt });
    signing = { kid, alg, activatesAt, retiring: await retireSigningKeys(tx, kid, activatesAt) };
  }
  let hmac: RotationReport['hmac'];
  if (prepared.hmac) {
    const { id, value } = prepared.hmac;
    const activatesAt = activationAfter(at, delayMs, await latestSecretActivation(tx, HMAC_PURPOSE));
    await insertServerSecret(tx, { id, purpose: HMAC_PURPOSE, value, createdAt: at, activatesAt });
    hmac = { keyId: id, activatesAt, retiring: await retireServerSecrets(tx, HMAC_PURPOSE, id, activatesAt) };
  }
  return { ...(signing ? { signing } : {}), ...(hmac ? { hmac } : {}) };
}
