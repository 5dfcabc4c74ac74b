// Where rate-limit counters live. One instance keeps them in memory; several instances share them
// through Redis (src/limits/redis-counter-store.ts), so a limit holds across the fleet.

export interface Count {
  /** Requests counted in the current window, this one included. */
  readonly count: number;
  /** Until the window ends. */
  readonly ttlMs: number;
}

/** Whether the counters can be reached, and if not, why (the client's own words, no secrets). */
export interface Reachability {
  readonly reachable: boolean;
  readonly reason?: string;
}

export interface CounterStore {
  /** Counts one request for `key` in a window of `windowMs` that starts with its first request. */
  increment(key: string, windowMs: number): Promise<Count>;
  /** Takes back one request `increment` counted (its window is left as it was). */
  decrement(key: string): Promise<void>;
  /** Resolves when counting works now; rejects when the counters cannot be reached. */
  ping(): Promise<void>;
  /** Tells `listener` each time the counters become unreachable or reachable again, and at once
   * if they are unreachable now. */
  watch(listener: (change: Reachability) => void): void;
  readonly shared: boolean;
  close(): Promise<void>;
}

/** How soon counters that could not be reached are worth asking again: the Redis client tries to
 * reconnect at least this often (the Retry-After of RATE_LIMIT_UNAVAILABLE). */
export const UNREACHABLE_RETRY_MS = 2000;
