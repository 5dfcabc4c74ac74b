import { setTimeout as sleep } from 'node:timers/promises';
import type { RateLimit } from '../config.js';
import { AuthError } from '../errors.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import type { ComparisonTiming } from './comparison-timing.js';
import type { PasswordHasher } from './password-hasher.js';

// A login that names nobody the app knows (or a user without a password) compares the password
// with a decoy hash, so that its answer takes as long as a wrong password's and timing does not
// tell who exists. Unbounded, that let one app's flood of random usernames spend Argon2 work
// without end (issue 15). Each app may spend `limit` decoy comparisons per window, counted by the
// rate limiter (so across every instance when Redis is configured); past that, the login waits on
// a timer as long as a comparison takes now, instead of comparing: the same answer after the same
// time, and no thread or CPU spent. What the login answers is decided where it always was.

const BUCKET = 'password-decoy';

export interface DecoyBudget {
  /** The decoy comparison of a login of `appId` for nobody: the work within the app's budget, a
   * timer as long as it past the budget. */
  verifyNothing(appId: string, password: string): Promise<void>;
}

export function createDecoyBudget(deps: {
  hasher: PasswordHasher;
  timing: Pick<ComparisonTiming, 'typicalMs'>;
  limiter: RateLimiter;
  limit: RateLimit;
  /** Waits `ms` without work (tests pass their own). */
  wait?: (ms: number) => Promise<unknown>;
}): DecoyBudget {
  const wait = deps.wait ?? sleep;

  async function withinBudget(appId: string): Promise<boolean> {
    try {
      await deps.limiter.hit(BUCKET, deps.limit, `app:${appId}`);
      return true;
    } catch (error) {
      // Past the budget, or the counters out of reach: no Argon2 work either way, and no other answer.
      if (error instanceof AuthError && (error.code === 'RATE_LIMITED' || error.code === 'RATE_LIMIT_UNAVAILABLE')) return false;
      throw error;
    }
  }

  return {
    async verifyNothing(appId, password) {
      const within = await withinBudget(appId);
      const typical = deps.timing.typicalMs(password);
      // Before this process has timed any comparison, the work itself is the measurement.
      if (within || typical === null) await deps.hasher.verifyNothing(password);
      else await wait(typical);
    },
  };
}
