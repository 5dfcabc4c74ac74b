import { createHash } from 'node:crypto';
import type { RateLimit } from '../config.js';
import { AuthError } from '../errors.js';
import { type Count, type CounterStore, UNREACHABLE_RETRY_MS } from './counter-store.js';

// Rate limits keyed on what they protect. Use cases call `hit` once they know the subject: the
// user when the identifier names one (so an email in any case, a phone number in any format and
// the user_id all count together), else the normalised identifier. Keys are hashed: no identifier
// sits in memory or in Redis in the clear.

/** A change of the counters' reachability, as the log reports it. */
export interface LimiterReachability {
  readonly reachable: boolean;
  /** Why they cannot be reached (when not). */
  readonly reason?: string;
  /** Requests refused with RATE_LIMIT_UNAVAILABLE while they could not be (when reachable again). */
  readonly refused?: number;
}

export interface RateLimiter {
  /** Counts one request of `bucket` for `subject`; throws RATE_LIMITED (with a retry time) past the limit. */
  hit(bucket: string, limit: RateLimit, subject: string): Promise<void>;
  /** Gives back one request `hit` counted, when it turned out not to be what the limit counts (an
   * admin call whose token was right is no failed guess). */
  refund(bucket: string, subject: string): Promise<void>;
  /** Resolves when the counters can be reached (in memory: always); else throws
   * RATE_LIMIT_UNAVAILABLE. Cheap enough for a readiness check (one PING to Redis). */
  ping(): Promise<void>;
  /** Tells `listener` when the counters become unreachable (at once if they are now) and when they
   * are reachable again. */
  watch(listener: (change: LimiterReachability) => void): void;
  /** true when the counters are shared by every instance (Redis). */
  readonly shared: boolean;
  close(): Promise<void>;
}

const RETRY_AFTER_SECONDS = Math.ceil(UNREACHABLE_RETRY_MS / 1000);

export function createRateLimiter(store: CounterStore): RateLimiter {
  const keyOf = (bucket: string, subject: string) => `${bucket}:${createHash('sha256').update(subject).digest('base64url').slice(0, 32)}`;
  const listeners = new Set<(change: LimiterReachability) => void>();
  let outage: LimiterReachability | null = null;
  let refused = 0;
  store.watch((change) => {
    const report = change.reachable ? { reachable: true, refused } : change;
    outage = change.reachable ? null : change;
    refused = 0;
    for (const listener of listeners) listener(report);
  });
  const unavailable = (cause: unknown, details: Record<string, unknown> = {}) => new AuthError('RATE_LIMIT_UNAVAILABLE', { details: { ...details, retryAfterSeconds: RETRY_AFTER_SECONDS }, cause });

  return {
    shared: store.shared,
    async hit(bucket, limit, subject) {
      let count: Count;
      try {
        count = await store.increment(keyOf(bucket, subject), limit.windowMs);
      } catch (error) {
        // Fail closed: an auth server that cannot count must not let guesses through uncounted.
        refused++;
        throw unavailable(error, { bucket });
      }
      if (count.count > limit.max) {
        throw new AuthError('RATE_LIMITED', { details: { limit: bucket, retryAfterSeconds: Math.max(1, Math.ceil(count.ttlMs / 1000)) } });
      }
    },
    refund: (bucket, subject) => store.decrement(keyOf(bucket, subject)),
    async ping() {
      try {
        await store.ping();
      } catch (error) {
        throw unavailable(error);
      }
    },
    watch(listener) {
      listeners.add(listener);
      if (outage !== null) listener(outage);
    },
    close: () => store.close(),
  };
}

/** The subject of a per-user limit: the user when found (whichever app or identifier names them),
 * else the normalised identifier within the tenant. */
export const userSubject = (tenantId: string, user: { readonly id: string } | null, normalizedIdentifier: string | null, rawIdentifier: string): string =>
  user !== null ? `user:${user.id}` : `${tenantId}:identifier:${normalizedIdentifier ?? rawIdentifier.trim().toLowerCase()}`;
