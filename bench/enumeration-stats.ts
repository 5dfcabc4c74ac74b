// The statistics of `npm run bench:enumeration`: medians, and what an attacker comparing medians
// of a few requests would learn (issue 15 measured it that way: "medians of 40 requests separate
// them 93–100 % of the time"). Deterministic: the resampling uses a seeded generator.

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

/** mulberry32: a small seeded generator, so a run's resampling is reproducible. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

const draw = (values: readonly number[], size: number, random: () => number): number[] => Array.from({ length: size }, () => values[Math.floor(random() * values.length)] ?? Number.NaN);

/**
 * How often the median of `size` requests of `a` comes out above the median of `size` requests of
 * `b` (ties count half), over `draws` resamplings of the measured requests: 0.5 is a coin toss (an
 * attacker learns nothing by comparing them); near 0 or 1, the medians tell `a` from `b`.
 */
export function medianAbove(a: readonly number[], b: readonly number[], size: number, draws: number, random: () => number): number {
  let above = 0;
  for (let i = 0; i < draws; i++) {
    const difference = median(draw(a, size, random)) - median(draw(b, size, random));
    above += difference > 0 ? 1 : difference === 0 ? 0.5 : 0;
  }
  return above / draws;
}

/** The share of an attacker's guesses that come out right, whichever way they read the medians. */
export const tellsApart = (above: number): number => Math.max(above, 1 - above);
