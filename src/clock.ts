/** The only source of "now" in the server: injected everywhere so tests can drive time. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export const toSeconds = (ms: number): number => Math.floor(ms / 1000);
