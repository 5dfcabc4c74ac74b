import { setTimeout as sleep } from 'node:timers/promises';
import { AuthError } from '../errors.js';

// A password or authenticator login that is refused answers no sooner than `floorMs` after it
// began. Stand-ins (./shadow-credentials.ts) give nobody, users without the credential and holders
// the same statements and the same hashing; what is left between them is the cost of reading a row
// that exists (a user, a credential) rather than one that does not: tens of microseconds, which the
// medians of many requests measured on loopback still tell apart (bench:enumeration). A refusal held
// to a floor above its work answers at the floor whoever it names. Only refusals wait: a login that
// succeeds has nothing left to hide, and a legitimate user's mistyped code costs a few milliseconds.

export type RefusalFloor = <R>(login: () => Promise<R>) => Promise<R>;

export function refusalFloor(floorMs: number, deps: { now?: () => number; wait?: (ms: number) => Promise<unknown> } = {}): RefusalFloor {
  const now = deps.now ?? (() => performance.now());
  const wait = deps.wait ?? sleep;
  return async (login) => {
    const startedAt = now();
    try {
      return await login();
    } catch (error) {
      const left = startedAt + floorMs - now();
      if (error instanceof AuthError && left > 0) await wait(left);
      throw error;
    }
  };
}
