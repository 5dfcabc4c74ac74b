// Where rate-limit counters live. One instance keeps them in memory; several instances share them
// through Redis (src/limits/redis-counter-store.ts), so a limit holds across the fleet.

export interface Count {
  /** Requests counted in the current window, this one included. */
  readonly count: number;
  /** Until the window ends. */
  readonly ttlMs: number;
}

export interface CounterStore {
  /** Counts one request for `key` in a window of `windowMs` that starts with its first request. */
  increment(key: string, windowMs: number): Promise<Count>;
  readonly shared: boolean;
  close(): Promise<void>;
}
