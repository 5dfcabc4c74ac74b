import { createRequire } from 'node:module';
import { Redis } from 'ioredis';
import { type CounterStore, type Reachability, UNREACHABLE_RETRY_MS } from './counter-store.js';

// Counters shared by every instance through Redis, with @fastify/rate-limit's own Redis store (an
// atomic INCR + PEXPIRE script per request). Counters expire with their window in Redis itself.
//
// Opening waits for the first connection attempt only: a server whose Redis is down at start
// starts anyway, and its limited routes answer 503 until the client connects (ioredis retries the
// connection for as long as the process runs, the first attempt included). Commands are never
// queued while disconnected (`enableOfflineQueue: false`): a request meets the outage at once
// instead of hanging. Each change of reachability is reported, for the log.

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

/** A limiter that cannot reach a connected Redis answers within this, instead of holding the request. */
const COMMAND_TIMEOUT_MS = 1000;

/** The client, and whether it can be reached. */
interface RedisConnection {
  readonly redis: Redis;
  watch(listener: (change: Reachability) => void): void;
  close(): void;
}

async function connectRedis(url: string): Promise<RedisConnection> {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    commandTimeout: COMMAND_TIMEOUT_MS,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 100, UNREACHABLE_RETRY_MS),
  });
  const listeners = new Set<(change: Reachability) => void>();
  // null until the first attempt ends: only a change is reported, and a start is none.
  let current: Reachability | null = null;
  let lastError: string | null = null;
  let closing = false;
  const become = (next: Reachability) => {
    const before = current;
    current = next;
    if (before !== null || !next.reachable) for (const listener of listeners) listener(next);
  };

  // Every failed reconnection emits an error; without a listener ioredis would print each one.
  redis.on('error', (error: Error) => {
    lastError = error.message;
  });
  redis.on('ready', () => {
    lastError = null;
    if (current?.reachable !== true) become({ reachable: true });
  });
  redis.on('close', () => {
    if (!closing && current?.reachable !== false) become({ reachable: false, reason: lastError ?? 'connection closed' });
  });

  // Settled by the first attempt either way (a Redis that never answers: ioredis' connect timeout).
  await new Promise<void>((resolve) => {
    const settled = () => {
      redis.off('ready', settled).off('close', settled);
      resolve();
    };
    redis.on('ready', settled).on('close', settled);
  });
  return {
    redis,
    watch(listener) {
      listeners.add(listener);
      if (current?.reachable === false) listener(current);
    },
    close() {
      closing = true;
      redis.disconnect();
    },
  };
}

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
