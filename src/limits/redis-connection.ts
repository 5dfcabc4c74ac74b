import { Redis } from 'ioredis';
import { type Reachability, UNREACHABLE_RETRY_MS } from './counter-store.js';

// The Redis client behind shared rate limits, and whether it can be reached. Opening waits for the
// first connection attempt only: a server whose Redis is down at start starts anyway, and its
// limited routes answer 503 until the client connects (ioredis retries the connection for as long
// as the process runs, the first attempt included). Commands are never queued while disconnected
// (`enableOfflineQueue: false`): a request meets the outage at once instead of hanging.

/** A limiter that cannot reach a connected Redis answers within this, instead of holding the request. */
const COMMAND_TIMEOUT_MS = 1000;

export interface RedisConnection {
  readonly redis: Redis;
  watch(listener: (change: Reachability) => void): void;
  close(): void;
}

export async function connectRedis(url: string): Promise<RedisConnection> {
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
    redis.once('ready', resolve);
    redis.once('close', resolve);
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
