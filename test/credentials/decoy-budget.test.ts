import { describe, expect, it } from 'vitest';
import { timeComparisons } from '../../src/credentials/comparison-timing.js';
import { createDecoyBudget } from '../../src/credentials/decoy-budget.js';
import { formsToCompare, type PasswordHasher } from '../../src/credentials/password-hasher.js';
import type { CounterStore } from '../../src/limits/counter-store.js';
import { createMemoryCounterStore } from '../../src/limits/memory-counter-store.js';
import { createRateLimiter } from '../../src/limits/rate-limiter.js';
import { manualClock } from '../helpers/clock.js';

// Issue 15: a login for nobody does a decoy comparison so its timing tells nothing, but one app's
// flood of random usernames must not spend unbounded Argon2 work. Each app has a budget of decoy
// comparisons per window (the rate limiter's counters); past it, a timer as long as a comparison
// takes now stands in for the work. Here the "Argon2" work, the elapsed time and the waits are the
// test's own: nothing is timed for real.

const DECOMPOSED = 'Cafe\u0301-au-lait-42';

/** A hasher whose every comparison "takes" `costMs` on the test's stopwatch. */
function stopwatchHasher(costMs: number) {
  let elapsed = 0;
  const work = { verify: 0, verifyNothing: 0 };
  const hasher: PasswordHasher = {
    hash: async () => 'hash',
    needsRehash: () => false,
    async verify(_stored, password) {
      work.verify++;
      elapsed += costMs * (password === 'right' ? 1 : formsToCompare(password).length);
      return password === 'right' ? 'match' : 'mismatch';
    },
    async verifyNothing(password) {
      work.verifyNothing++;
      elapsed += costMs * formsToCompare(password).length;
      return false;
    },
  };
  return { hasher, work, now: () => elapsed };
}

function budgetOf(options: { costMs: number; max: number; store?: CounterStore }) {
  const clock = manualClock();
  const stopwatch = stopwatchHasher(options.costMs);
  const timing = timeComparisons(stopwatch.hasher, stopwatch.now);
  const waits: number[] = [];
  const limiter = createRateLimiter(options.store ?? createMemoryCounterStore(clock));
  const budget = createDecoyBudget({ hasher: timing.hasher, timing, limiter, limit: { max: options.max, windowMs: 60_000 }, clock, wait: async (ms) => waits.push(ms) });
  return { budget, timing, work: stopwatch.work, waits, clock };
}

describe('comparison timing', () => {
  it('is unknown until a comparison was timed, then the median per comparison, times the forms a password is compared in', async () => {
    const { timing } = budgetOf({ costMs: 20, max: 1 });
    expect(timing.typicalMs('anything')).toBeNull();
    await timing.hasher.verify('stored', 'wrong');
    await timing.hasher.verify('stored', 'right');
    await timing.hasher.verifyNothing(DECOMPOSED);
    expect(timing.typicalMs('wrong')).toBe(20);
    // Compared in NFC and as typed when they differ: two comparisons' time.
    expect(timing.typicalMs(DECOMPOSED)).toBe(40);
  });

  it('forgets comparisons older than ten seconds: a flood that made them slow leaves no slow figure behind', async () => {
    let clockMs = 0;
    const slow: PasswordHasher = {
      ...stopwatchHasher(0).hasher,
      verify: async () => {
        clockMs += 90;
        return 'mismatch';
      },
    };
    const timing = timeComparisons(slow, () => clockMs);
    await timing.hasher.verify('stored', 'wrong');
    expect(timing.typicalMs('wrong')).toBe(90);
    clockMs += 10_001;
    expect(timing.typicalMs('wrong')).toBeNull();
  });
});

describe('the decoy budget of an app', () => {
  it('spends real decoy comparisons up to the budget, then waits as long as one takes, with no work', async () => {
    const { budget, work, waits } = budgetOf({ costMs: 25, max: 2 });
    await budget.verifyNothing('flooding', 'guess-1');
    await budget.verifyNothing('flooding', 'guess-2');
    expect(work.verifyNothing).toBe(2);
    expect(waits).toEqual([]);
    await budget.verifyNothing('flooding', 'guess-3');
    await budget.verifyNothing('flooding', DECOMPOSED);
    expect(work.verifyNothing).toBe(2);
    expect(waits).toEqual([25, 50]);
  });

  it('is each app’s own, and comes back when the window ends', async () => {
    const { budget, work, waits, clock } = budgetOf({ costMs: 10, max: 1 });
    await budget.verifyNothing('flooding', 'guess-1');
    await budget.verifyNothing('flooding', 'guess-2');
    expect(waits).toEqual([10]);
    await budget.verifyNothing('bank', 'guess');
    expect(work.verifyNothing).toBe(2);
    clock.advance(60_000);
    await budget.verifyNothing('flooding', 'guess-3');
    expect(work.verifyNothing).toBe(3);
    expect(waits).toEqual([10]);
  });

  it('past the budget, does the work all the same while no comparison has been timed yet (there is nothing to wait as long as)', async () => {
    const { budget, work, waits } = budgetOf({ costMs: 10, max: 1, store: fakeStore(false, async () => ({ count: 5, ttlMs: 1000 })) });
    await budget.verifyNothing('flooding', 'guess-1');
    expect(work.verifyNothing).toBe(1);
    await budget.verifyNothing('flooding', 'guess-2');
    expect(work.verifyNothing).toBe(1);
    expect(waits).toEqual([10]);
  });

  it('counters out of reach: from the comparison after the count failed, waits instead of working, and answers nothing else', async () => {
    const failing = fakeStore(true, () => Promise.reject(new Error('Connection is closed')));
    const { budget, timing, work, waits } = budgetOf({ costMs: 15, max: 100, store: failing });
    await timing.hasher.verify('stored', 'wrong');
    // The count is never awaited before deciding (a holder's login makes no limiter call either):
    // the first comparison decides on what was known before it.
    await expect(budget.verifyNothing('app', 'guess-1')).resolves.toBeUndefined();
    expect(work.verifyNothing).toBe(1);
    await expect(budget.verifyNothing('app', 'guess-2')).resolves.toBeUndefined();
    expect(work.verifyNothing).toBe(1);
    expect(waits).toEqual([15]);
  });
});

/** A counter store whose counting the test decides; the rest does nothing. */
function fakeStore(shared: boolean, increment: CounterStore['increment']): CounterStore {
  return { shared, increment, decrement: async () => {}, ping: async () => {}, watch: () => {}, close: async () => {} };
}
