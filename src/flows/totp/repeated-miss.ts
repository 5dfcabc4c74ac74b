import type { SecretHasher } from '../../secrets/secret-hasher.js';

// The same wrong authenticator code sent again within its time step is the same guess: compared
// with the same codes, it cannot be right this time. The TOTP machine forgives its attempt (so 20
// copies sent at once are one failure, not a lockout) when the comparison says `repeated`. To tell
// without keeping the code, the row keeps a keyed HMAC (the server's HMAC key ring) of the latest
// wrong code, bound to its credential and to the time step it was judged in; the log only ever
// gets the verdict.

const missInput = (credentialId: string, step: number, code: string): string => `totp-miss:${credentialId}:${step}:${code}`;

export interface MissVerdict {
  readonly event: { readonly type: 'totp.mismatched'; readonly repeated: boolean };
  /** What the row keeps of the code (nothing new when it is the same again). */
  readonly patch: { readonly miss?: string };
}

/** The verdict on a code that matched nothing, at time step `step` (the same work either way). */
export function judgeMiss(hasher: SecretHasher, stored: { readonly id: string; readonly miss: string | null }, code: string, step: number): MissVerdict {
  const input = missInput(stored.id, step, code);
  const miss = hasher.hash(input);
  const repeated = stored.miss !== null && hasher.matches(input, stored.miss);
  return { event: { type: 'totp.mismatched', repeated }, patch: repeated ? {} : { miss } };
}
