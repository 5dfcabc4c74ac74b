import type { RateLimiter } from './rate-limiter.js';

// What the operator reads when Redis goes away and comes back: one line each way, naming
// REDIS_URL (without its password), never a line per refused request.

interface Log {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

/** A URL as a log may show it: its password replaced. */
function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.href;
}

export function logLimiterReachability(limiter: RateLimiter, redisUrl: string | null, log: Log): void {
  if (redisUrl === null) return;
  const shown = withoutPassword(redisUrl);
  limiter.watch((change) => {
    if (change.reachable) log.info({ redisUrl: shown, refused: change.refused }, `Redis at REDIS_URL=${shown} is reachable again: rate limits are counted again`);
    else
      log.warn(
        { redisUrl: shown, reason: change.reason },
        `Redis at REDIS_URL=${shown} cannot be reached: rate-limited routes and the admin API answer 503 with Retry-After until it is back (retrying)`,
      );
  });
}
