import { createPasswordHasher, type PasswordHasher } from '../../src/credentials/password-hasher.js';

// Argon2id as the server uses it, counting its work, with comparisons a test can hold at a gate
// (the order in which concurrent logins' verdicts come back, without timing anything).

export interface HeldComparison {
  /** Resolves once a comparison is waiting at the gate. */
  readonly reached: Promise<void>;
  release(): void;
}

/** The real Argon2id hasher, counting its work; `hold(n)` makes the next n comparisons wait at a gate each. */
export function countingHasher(params?: Parameters<typeof createPasswordHasher>[0]) {
  const real = createPasswordHasher(params);
  const count = { verify: 0, verifyNothing: 0, hash: 0 };
  const waiting: { arrive: () => void; released: Promise<void> }[] = [];
  const hold = (n: number): HeldComparison[] =>
    Array.from({ length: n }, () => {
      let arrive = () => {};
      let release = () => {};
      const reached = new Promise<void>((resolve) => (arrive = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      waiting.push({ arrive, released });
      return { reached, release };
    });
  const hasher: PasswordHasher = {
    hash: (password) => {
      count.hash++;
      return real.hash(password);
    },
    async verify(stored, password) {
      count.verify++;
      const gate = waiting.shift();
      if (gate !== undefined) {
        gate.arrive();
        await gate.released;
      }
      return real.verify(stored, password);
    },
    needsRehash: (stored) => real.needsRehash(stored),
    verifyNothing: (password) => {
      count.verifyNothing++;
      return real.verifyNothing(password);
    },
  };
  return { hasher, count, hold };
}
