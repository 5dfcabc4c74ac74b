import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import type { RateLimit } from '../config.js';
import { AuthError } from '../errors.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import type { ComparisonTiming } from './comparison-timing.js';
import type { PasswordHasher } from './password-hasher.js';

// A login that names nobody the app knows (or a user without a password) compares the password
// with a decoy hash (its stand-in's comparison, ./shadow-credentials.ts), so that its answer takes
// as long as a wrong password's and timing does not tell who exists. Unbounded, that let one app's
// flood of random usernames spend Argon2 work without end (issue 15). Each app may spend `limit`
// decoy comparisons per window, counted by the rate limiter (so across every instance when Redis is
// configured); past that, the login waits on a timer as long as a comparison takes now, instead of
// comparing: the same answer after the same time, and no thread or CPU spent.
//
// The count is never awaited: a holder's login makes no limiter call, so a stand-in's must not wait
// for one either (a Redis round trip would tell them apart). Each comparison decides on what the
// app's latest count said (the budget is spent once the count reaches it, until its window ends),
// and counts itself meanwhile.

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
  clock: Clock;
  /** Waits `ms` without work (tests pass their own). */
  wait?: (ms: number) => Promise<unknown>;
}): DecoyBudget {
  const wait = deps.wait ?? sleep;
  /** Until when each app's budget is spent, as its latest count said (ms since epoch). */
  const spentUntil = new Map<string, number>();
  // A count that reaches the budget spends it: the comparison after it waits.
  const reached = { ...deps.limit, max: deps.limit.max - 1 };

  async function count(appId: string): Promise<void> {
    try {
      await deps.limiter.hit(BUCKET, reached, `app:${appId}`);
      spentUntil.delete(appId);
    } catch (error) {
      // Spent, or the counters out of reach: no Argon2 work either way, and no other answer.
      if (error instanceof AuthError && (error.code === 'RATE_LIMITED' || error.code === 'RATE_LIMIT_UNAVAILABLE')) {
        const retryAfterSeconds = Number(error.details.retryAfterSeconds ?? 1);
        spentUntil.set(appId, deps.clock.now() + retryAfterSeconds * 1000);
      }
    }
  }

  return {
    async verifyNothing(appId, password) {
      const within = (spentUntil.get(appId) ?? 0) <= deps.clock.now();
      const counted = count(appId);
      const typical = deps.timing.typicalMs(password);
      // Before this process has timed any comparison, the work itself is the measurement.
      if (within || typical === null) await deps.hasher.verifyNothing(password);
      else await wait(typical);
      await counted;
    },
  };
}
