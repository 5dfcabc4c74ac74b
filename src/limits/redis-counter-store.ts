import { createRequire } from 'node:module';
import { Redis } from 'ioredis';
import type { CounterStore } from './counter-store.js';

// Counters shared by every instance through Redis, with @fastify/rate-limit's own Redis store (an
// atomic INCR + PEXPIRE script per request). Counters expire with their window in Redis itself.

interface FastifyRedisStore {
  incr(key: string, callback: (error: Error | null, result: { current: number; ttl: number } | null) => void, timeWindow: number, max: number): void;
}
type FastifyRedisStoreClass = new (continueExceeding: boolean, exponentialBackoff: boolean, redis: Redis, namespace: string) => FastifyRedisStore;

// The plugin ships the store as CommonJS without types or an exports map.
const RedisStore = createRequire(import.meta.url)('@fastify/rate-limit/store/RedisStore.js') as FastifyRedisStoreClass;

const NAMESPACE = 'keystate:limit:';
/** A limiter that cannot reach Redis answers within this, instead of holding the request. */
const COMMAND_TIMEOUT_MS = 1000;

export async function openRedisCounterStore(url: string): Promise<CounterStore> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, commandTimeout: COMMAND_TIMEOUT_MS, enableOfflineQueue: false });
  // A connection problem is reported by the command that meets it; without a listener ioredis
  // would print every reconnection error.
  redis.on('error', () => {});
  await redis.connect();
  const store = new RedisStore(false, false, redis, NAMESPACE);
  return {
    shared: true,
    increment(key, windowMs) {
      return new Promise((resolve, reject) => {
        store.incr(key, (error, result) => (error || result === null ? reject(error ?? new Error('no result')) : resolve({ count: result.current, ttlMs: Math.max(0, result.ttl) })), windowMs, Number.MAX_SAFE_INTEGER);
      });
    },
    async close() {
      redis.disconnect();
    },
  };
}
