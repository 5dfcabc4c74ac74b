import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { CounterStore } from './counter-store.js';
import { connectRedis } from './redis-connection.js';

// Counters shared by every instance through Redis, with @fastify/rate-limit's own Redis store (an
// atomic INCR + PEXPIRE script per request). Counters expire with their window in Redis itself.

interface FastifyRedisStore {
  incr(key: string, callback: (error: Error | null, result: { current: number; ttl: number } | null) => void, timeWindow: number, max: number): void;
}
type FastifyRedisStoreClass = new (continueExceeding: boolean, exponentialBackoff: boolean, redis: Redis, namespace: string) => FastifyRedisStore;

// The plugin ships the store as CommonJS without types or an exports map.
const RedisStore = createRequire(import.meta.url)('@fastify/rate-limit/store/RedisStore.js') as FastifyRedisStoreClass;

const NAMESPACE = 'keystate:limit:';

/** One request given back: only a counter still in its window, never below zero (a DECR on an
 * expired key would create one that never expires). */
const DECREMENT_LIVE = `local current = tonumber(redis.call('GET', KEYS[1]))
if current ~= nil and current > 0 then return redis.call('DECR', KEYS[1]) end
return 0`;

export async function openRedisCounterStore(url: string): Promise<CounterStore> {
  const connection = await connectRedis(url);
  const { redis } = connection;
  const store = new RedisStore(false, false, redis, NAMESPACE);
  return {
    shared: true,
    increment(key, windowMs) {
      return new Promise((resolve, reject) => {
        store.incr(key, (error, result) => (error || result === null ? reject(error ?? new Error('no result')) : resolve({ count: result.current, ttlMs: Math.max(0, result.ttl) })), windowMs, Number.MAX_SAFE_INTEGER);
      });
    },
    async decrement(key) {
      await redis.eval(DECREMENT_LIVE, 1, `${NAMESPACE}${key}`);
    },
    async ping() {
      await redis.ping();
    },
    watch: (listener) => connection.watch(listener),
    async close() {
      connection.close();
    },
  };
}
