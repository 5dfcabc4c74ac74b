import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { SigningAlg } from '../config.js';

// Signing keys: generated once, stored as JWKs, imported once at start (never per request).

export interface StoredKey {
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
  readonly retired: boolean;
}

export interface SigningKeyring {
  readonly signer: { readonly kid: string; readonly alg: SigningAlg; readonly key: CryptoKey };
  /** Public keys by kid, for verifying our own tokens (client access tokens). */
  readonly verifiers: ReadonlyMap<string, { readonly alg: SigningAlg; readonly key: CryptoKey }>;
  /** What /cis/oidc/jwks publishes. */
  readonly jwks: { readonly keys: readonly JWK[] };
}

export async function generateSigningKey(alg: SigningAlg): Promise<Omit<StoredKey, 'retired'>> {
  const options = alg === 'RS256' ? { modulusLength: 2048, extractable: true } : alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : { extractable: true };
  const { privateKey, publicKey } = await generateKeyPair(alg, options);
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  return {
    kid,
    alg,
    privateJwk: { ...privateJwk, kid, alg, use: 'sig' },
    publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
  };
}

/** Builds the keyring from stored keys: the oldest live key of the configured algorithm signs
 * (every instance picks the same one), every live or recently retired key verifies and is published. */
export async function buildKeyring(stored: readonly StoredKey[], alg: SigningAlg): Promise<SigningKeyring> {
  const active = stored.find((key) => key.alg === alg && !key.retired);
  if (active === undefined) throw new Error(`no live signing key for ${alg}`);
  const verifiers = new Map<string, { alg: SigningAlg; key: CryptoKey }>();
  for (const key of stored) {
    verifiers.set(key.kid, { alg: key.alg, key: (await importJWK(key.publicJwk, key.alg)) as CryptoKey });
  }
  return {
    signer: { kid: active.kid, alg, key: (await importJWK(active.privateJwk, alg)) as CryptoKey },
    verifiers,
    jwks: { keys: stored.map((key) => key.publicJwk) },
  };
}
