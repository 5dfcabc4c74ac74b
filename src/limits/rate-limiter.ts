import { createHash } from 'node:crypto';
import type { RateLimit } from '../config.js';
import { AuthError } from '../errors.js';
import type { CounterStore } from './counter-store.js';

// Rate limits keyed on what they protect. Use cases call `hit` once they know the subject: the
// user when the identifier names one (so an email in any case, a phone number in any format and
// the user_id all count together), else the normalised identifier. Keys are hashed: no identifier
// sits in memory or in Redis in the clear.

export interface RateLimiter {
  /** Counts one request of `bucket` for `subject`; throws RATE_LIMITED (with a retry time) past the limit. */
  hit(bucket: string, limit: RateLimit, subject: string): Promise<void>;
  /** true when the counters are shared by every instance (Redis). */
  readonly shared: boolean;
  close(): Promise<void>;
}

export function createRateLimiter(store: CounterStore): RateLimiter {
  return {
    shared: store.shared,
    async hit(bucket, limit, subject) {
      const key = `${bucket}:${createHash('sha256').update(subject).digest('base64url').slice(0, 32)}`;
      let count;
      try {
        count = await store.increment(key, limit.windowMs);
      } catch (error) {
        // Fail closed: an auth server that cannot count must not let guesses through uncounted.
        throw new AuthError('RATE_LIMIT_UNAVAILABLE', { details: { bucket }, cause: error });
      }
      if (count.count > limit.max) {
        throw new AuthError('RATE_LIMITED', { details: { limit: bucket, retryAfterSeconds: Math.max(1, Math.ceil(count.ttlMs / 1000)) } });
      }
    },
    close: () => store.close(),
  };
}

/** The subject of a per-user limit: the user when found (whichever app or identifier names them),
 * else the normalised identifier within the tenant. */
export const userSubject = (tenantId: string, user: { readonly id: string } | null, normalizedIdentifier: string | null, rawIdentifier: string): string =>
  user !== null ? `user:${user.id}` : `${tenantId}:identifier:${normalizedIdentifier ?? rawIdentifier.trim().toLowerCase()}`;
