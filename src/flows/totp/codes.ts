import { timingSafeEqual } from 'node:crypto';
import { HOTP, Secret, TOTP } from 'otpauth';

// TOTP arithmetic (RFC 6238) for authenticator apps, through `otpauth`: seeds, the code of a time
// step, matching a submitted code, and the `otpauth://` URI the apps scan. Pure but for the seed's
// randomness; the clock is always passed in. What a match means (replays, lockouts) is decided by
// the credential's machine, from the step returned here.

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

/** Fixed for a credential when it is registered: the authenticator app holds them too. */
export interface TotpParams {
  readonly algorithm: TotpAlgorithm;
  readonly digits: number;
  /** Seconds per step. */
  readonly period: number;
}

/** Seed sizes of RFC 6238's reference implementation (Appendix B): the hash's output length. */
const SEED_BYTES: Readonly<Record<TotpAlgorithm, number>> = { sha1: 20, sha256: 32, sha512: 64 };

const hmacName = (algorithm: TotpAlgorithm) => algorithm.toUpperCase();

/** A new random seed for the algorithm, base32 (what the URI carries and the credential seals). */
export function newTotpSeed(algorithm: TotpAlgorithm): string {
  return new Secret({ size: SEED_BYTES[algorithm] }).base32;
}

/** The time step a moment (ms since epoch) falls in. */
export const totpStep = (params: TotpParams, at: number): number => Math.floor(at / 1000 / params.period);

/** The code of one time step. */
export function totpCode(seed: string, params: TotpParams, step: number): string {
  return HOTP.generate({ secret: Secret.fromBase32(seed), algorithm: hmacName(params.algorithm), digits: params.digits, counter: step });
}

/**
 * The step whose code was submitted, among the current step and the `window` steps before it (a
 * code typed just before its step ended still counts, as Mosaic's guide has it; a code from the
 * future never does), or null. Every candidate is compared, in constant time, so the time taken
 * says nothing about which one matched.
 */
export function matchTotp(seed: string, params: TotpParams, token: string, at: number, window: number): number | null {
  if (token.length !== params.digits || !/^\d+$/.test(token)) return null;
  const submitted = Buffer.from(token);
  const current = totpStep(params, at);
  let matched: number | null = null;
  for (let step = current - window; step <= current; step++) {
    if (timingSafeEqual(Buffer.from(totpCode(seed, params, step)), submitted)) matched = step;
  }
  return matched;
}

/** The `otpauth://totp/…` URI authenticator apps scan: issuer, account label, seed and params. */
export function otpauthUri(args: { issuer: string; label: string; seed: string; params: TotpParams }): string {
  const { issuer, label, seed, params } = args;
  return new TOTP({ issuer, label, secret: Secret.fromBase32(seed), algorithm: hmacName(params.algorithm), digits: params.digits, period: params.period }).toString();
}
