import { Redis } from 'ioredis';
import { type Count, type CounterStore, type Reachability, UNREACHABLE_RETRY_MS } from './counter-store.js';

// Counters shared by every instance through Redis, one fixed window per key: the first request
// creates the counter with the window as its expiry, and Redis drops it when the window ends.
//
// Opening waits for the first connection attempt only: a server whose Redis is down at start
// starts anyway, and its limited routes answer 503 until the client connects (ioredis retries the
// connection for as long as the process runs, the first attempt included). Commands are never
// queued while disconnected (`enableOfflineQueue: false`): a request meets the outage at once
// instead of hanging. Each change of reachability is reported, for the log.

const NAMESPACE = 'keystate:limit:';

/** One request counted, in one script so that no other instance runs between the INCR and the
 * expiry: the first request of a window sets it; a counter found without one (a crash between two
 * commands of an older store) gets it too, or it would never start over. Answers {count, ttl ms}. */
const INCREMENT = `local current = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if current == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {current, ttl}`;

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
  return {
    shared: true,
    async increment(key, windowMs) {
      return readCount(await redis.eval(INCREMENT, 1, `${NAMESPACE}${key}`, Math.max(1, Math.ceil(windowMs))));
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

/** The script's answer, checked rather than asserted: a reply of another shape is a failure to
 * count (the limiter answers 503), never a count of zero. */
function readCount(reply: unknown): Count {
  if (!Array.isArray(reply) || reply.length !== 2) throw new Error('unexpected reply from the Redis counter');
  const [count, ttl] = reply;
  if (typeof count !== 'number' || typeof ttl !== 'number') throw new Error('unexpected reply from the Redis counter');
  return { count, ttlMs: Math.max(0, ttl) };
}
