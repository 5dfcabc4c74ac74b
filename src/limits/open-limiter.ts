import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { createMemoryCounterStore } from './memory-counter-store.js';
import { createRateLimiter, type RateLimiter } from './rate-limiter.js';

/** Counters in Redis when REDIS_URL is set (every instance holds one limit together), else in
 * memory. The Redis client is loaded only then; a Redis that cannot be reached does not stop the
 * start (see redis-counter-store.ts). */
export async function openRateLimiter(config: Pick<Config, 'redisUrl'>, clock: Clock): Promise<RateLimiter> {
  if (config.redisUrl === null) return createRateLimiter(createMemoryCounterStore(clock));
  const { openRedisCounterStore } = await import('./redis-counter-store.js');
  return createRateLimiter(await openRedisCounterStore(config.redisUrl));
}
