import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { createMemoryCounterStore } from './memory-counter-store.js';
import { createRateLimiter, type RateLimiter } from './rate-limiter.js';
import { openRedisCounterStore } from './redis-counter-store.js';

/** Counters in Redis when REDIS_URL is set (every instance holds one limit together), else in memory. */
export async function openRateLimiter(config: Pick<Config, 'redisUrl'>, clock: Clock): Promise<RateLimiter> {
  return createRateLimiter(config.redisUrl === null ? createMemoryCounterStore(clock) : await openRedisCounterStore(config.redisUrl));
}
