import { formsToCompare, type PasswordHasher } from './password-hasher.js';

// How long one Argon2 comparison takes on this server now, as measured on the real ones: what a
// login past its app's decoy budget waits instead of comparing (./decoy-budget.ts), so that its
// answer comes after the time a comparison would have taken. Measured per comparison (a password
// whose NFC form differs costs two) and kept as the median of the latest few, so a load that
// slows comparisons down slows the stand-in too.

/** Enough to ride out an outlier (the binding's load at the first comparison), few enough to follow the load. */
const SAMPLES = 31;
/** Only comparisons this recent tell how long one takes now: an attacker who made them slow (a
 * flood at full concurrency) must not leave a slow figure behind for the timer to wait. Without a
 * recent one, the real work is done again, and measured. */
const RECENT_MS = 10_000;

export interface ComparisonTiming {
  /** The same hasher, timing each comparison it makes. */
  readonly hasher: PasswordHasher;
  /** How long comparing `password` with a hash takes now; null when no comparison was timed lately. */
  typicalMs(password: string): number | null;
}

export function timeComparisons(hasher: PasswordHasher, now: () => number = () => performance.now()): ComparisonTiming {
  const samples: { readonly at: number; readonly each: number }[] = [];
  let oldest = 0;
  const record = (startedAt: number, comparisons: number) => {
    const at = now();
    const sample = { at, each: (at - startedAt) / comparisons };
    if (samples.length < SAMPLES) samples.push(sample);
    else samples[oldest] = sample;
    oldest = (oldest + 1) % SAMPLES;
  };
  return {
    hasher: {
      hash: (password) => hasher.hash(password),
      needsRehash: (stored) => hasher.needsRehash(stored),
      async verify(stored, password) {
        const startedAt = now();
        const comparison = await hasher.verify(stored, password);
        // A match in NFC stops after one comparison; anything else compared every form.
        record(startedAt, comparison === 'match' ? 1 : formsToCompare(password).length);
        return comparison;
      },
      async verifyNothing(password) {
        const startedAt = now();
        await hasher.verifyNothing(password);
        record(startedAt, formsToCompare(password).length);
        return false;
      },
    },
    typicalMs(password) {
      const since = now() - RECENT_MS;
      const recent = samples.filter((sample) => sample.at >= since).map((sample) => sample.each);
      if (recent.length === 0) return null;
      recent.sort((a, b) => a - b);
      return (recent[Math.floor(recent.length / 2)] ?? 0) * formsToCompare(password).length;
    },
  };
}
