import { AuthError } from '../errors.js';

// A password or authenticator login that is refused answers no sooner than `floorMs` after it
// began. Stand-ins (./shadow-credentials.ts) give nobody, users without the credential and holders
// the same statements and the same hashing; what is left between them is the cost of reading a row
// that exists (a user, a credential) rather than one that does not: tens of microseconds, which the
// medians of many requests measured on loopback still tell apart (bench:enumeration). A refusal held
// to a floor above its work answers at the floor whoever it names. Only refusals wait: a login that
// succeeds has nothing left to hide, and a legitimate user's mistyped code costs a few milliseconds.
//
// The floor's timer is armed when the login begins, not computed when it is refused: timers fire on
// whole milliseconds of the event loop's clock, so a wait of "floor minus the work" would carry the
// work's fraction of a millisecond into the answer's time; a timer armed at the start fires at a
// time the work does not move.

export type RefusalFloor = <R>(login: () => Promise<R>) => Promise<R>;

/** A timer armed now: `elapsed` resolves when it fires; `cancel` disarms it. */
export interface ArmedTimer {
  readonly elapsed: Promise<void>;
  cancel(): void;
}

const armTimer = (ms: number): ArmedTimer => {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { elapsed, cancel: () => clearTimeout(timer) };
};

export function refusalFloor(floorMs: number, arm: (ms: number) => ArmedTimer = armTimer): RefusalFloor {
  return async (login) => {
    if (floorMs <= 0) return login();
    const floor = arm(floorMs);
    try {
      return await login();
    } catch (error) {
      if (error instanceof AuthError) await floor.elapsed;
      throw error;
    } finally {
      floor.cancel();
    }
  };
}
