import type { Clock } from '../clock.js';
import type { CounterStore } from './counter-store.js';

// In-process counters. Unlike an LRU cache (the default store of @fastify/rate-limit evicts the
// least recently used of 5,000 keys), a live counter is never dropped early: filling the store with
// other keys cannot reset a victim's count. Memory is bounded by what arrives within one window:
// counters are swept once their window has ended. Time comes from the injected clock.

const SWEEP_EVERY_MS = 60_000;

export function createMemoryCounterStore(clock: Clock): CounterStore & { size(): number } {
  const counters = new Map<string, { count: number; resetAt: number }>();
  let nextSweep = clock.now() + SWEEP_EVERY_MS;

  function sweep(now: number): void {
    for (const [key, counter] of counters) if (counter.resetAt <= now) counters.delete(key);
    nextSweep = now + SWEEP_EVERY_MS;
  }

  return {
    shared: false,
    async increment(key, windowMs) {
      const now = clock.now();
      if (now >= nextSweep) sweep(now);
      let counter = counters.get(key);
      if (counter === undefined || counter.resetAt <= now) {
        counter = { count: 0, resetAt: now + windowMs };
        counters.set(key, counter);
      }
      counter.count++;
      return { count: counter.count, ttlMs: counter.resetAt - now };
    },
    async decrement(key) {
      const counter = counters.get(key);
      if (counter !== undefined && counter.resetAt > clock.now() && counter.count > 0) counter.count--;
    },
    // In this process: always there.
    ping: async () => {},
    watch: () => {},
    size: () => counters.size,
    async close() {
      counters.clear();
    },
  };
}
