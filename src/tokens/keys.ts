import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { SigningAlg } from '../config.js';

// Signing keys: generated once, stored sealed, imported when loaded (never per request). A key
// signs from its activation until its retirement, and stays published in the JWKS (and accepted
// for our own client tokens) until every token it signed has expired.

/** Tokens live at most this long (access, ID and client tokens: 1 h), plus clock skew. */
const TOKEN_LIFETIME_MS = 3600_000;
const CLOCK_SKEW_MS = 60_000;

export interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly activatesAt: number;
  readonly retiredAt: number | null;
}

interface Signer {
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly key: CryptoKey;
}

export interface SigningKeyring {
  /** The key that signs at `now`: of the configured algorithm, active, latest activated. */
  signerAt(now: number): Signer;
  /** A key that may have signed a token still valid at `now`; undefined once it left the JWKS. */
  verifierAt(kid: string, now: number): { readonly alg: SigningAlg; readonly key: CryptoKey } | undefined;
  /** What /cis/oidc/jwks publishes at `now`: keys about to sign, signing, and retired ones whose tokens may live. */
  jwksAt(now: number): { readonly keys: readonly JWK[] };
  readonly algorithms: readonly SigningAlg[];
}

export async function generateSigningKey(alg: SigningAlg): Promise<{ kid: string; alg: SigningAlg; privateJwk: JWK; publicJwk: JWK }> {
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

/** jose imports an `oct` JWK as bytes: a signing key's JWK is never one. */
async function importAsymmetric(jwk: JWK, alg: SigningAlg): Promise<CryptoKey> {
  const key = await importJWK(jwk, alg);
  if (key instanceof Uint8Array) throw new Error(`a ${alg} signing key cannot be a symmetric JWK`);
  return key;
}

export async function importSigningKey(stored: { kid: string; alg: SigningAlg; privateJwk: JWK; publicJwk: JWK; activatesAt: number; retiredAt: number | null }): Promise<SigningKey> {
  return {
    kid: stored.kid,
    alg: stored.alg,
    privateKey: await importAsymmetric(stored.privateJwk, stored.alg),
    publicKey: await importAsymmetric(stored.publicJwk, stored.alg),
    publicJwk: stored.publicJwk,
    activatesAt: stored.activatesAt,
    retiredAt: stored.retiredAt,
  };
}

/** True while a token signed by this key may still be presented. */
export const isPublishedAt = (key: Pick<SigningKey, 'retiredAt'>, now: number): boolean => key.retiredAt === null || key.retiredAt + TOKEN_LIFETIME_MS + CLOCK_SKEW_MS > now;

export function buildSigningKeyring(keys: readonly SigningKey[], alg: SigningAlg): SigningKeyring {
  const byKid = new Map(keys.map((key) => [key.kid, key]));
  return {
    signerAt(now) {
      let signer: SigningKey | undefined;
      // A clock behind every activation (a stepped-back clock, skew between instances) signs with
      // the earliest key rather than not at all.
      let earliest: SigningKey | undefined;
      for (const key of keys) {
        if (key.alg !== alg || (key.retiredAt !== null && key.retiredAt <= now)) continue;
        if (earliest === undefined || key.activatesAt < earliest.activatesAt) earliest = key;
        if (key.activatesAt > now) continue;
        if (signer === undefined || key.activatesAt > signer.activatesAt || (key.activatesAt === signer.activatesAt && key.kid < signer.kid)) signer = key;
      }
      const chosen = signer ?? earliest;
      if (chosen === undefined) throw new Error(`no live ${alg} signing key`);
      return { kid: chosen.kid, alg: chosen.alg, key: chosen.privateKey };
    },
    verifierAt(kid, now) {
      const key = byKid.get(kid);
      return key === undefined || !isPublishedAt(key, now) ? undefined : { alg: key.alg, key: key.publicKey };
    },
    jwksAt: (now) => ({ keys: keys.filter((key) => isPublishedAt(key, now)).map((key) => key.publicJwk) }),
    algorithms: [...new Set(keys.map((key) => key.alg))],
  };
}
