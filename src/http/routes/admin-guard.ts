import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { RateLimit } from '../../config.js';
import { AuthError } from '../../errors.js';
import type { RateLimiter } from '../../limits/rate-limiter.js';
import { bearerCredential } from '../bearer.js';

// The guard of the admin API and of the visualizer's data: KEYSTATE_ADMIN_TOKEN, with wrong tokens
// limited per client address (RATE_LIMIT_ADMIN_AUTH_*).
//
// Each call is counted BEFORE its token is compared, and given back once the token proves right:
// so only wrong tokens use up the limit, yet a burst of guesses sent at once is cut at the limit
// (counting after the comparison would let every guess already in flight be compared). Past the
// limit the address gets 429 whatever it presents, the right token too: if a right token still
// went through, an attacker could keep guessing (only the answers to wrong guesses would change),
// so while an address is blocked no token from it is compared at all. The operator whose address
// shares the block waits for Retry-After (or calls from another address).
//
// The address is the request's IP as Fastify sees it. `trustProxy` is not enabled: behind a
// reverse proxy every caller has the proxy's address, and wrong tokens from anyone block everyone.

const ADMIN_AUTH_BUCKET = 'adminAuth';

export type AdminGuard = (request: FastifyRequest) => Promise<void>;

export interface AdminGuardDeps {
  /** null = every call is 401 (nothing to guess, so nothing is counted). */
  readonly adminToken: string | null;
  readonly limiter: RateLimiter;
  readonly limit: RateLimit;
}

/** Compares digests so neither the length nor the content of the token leaks through timing. */
export function adminGuard({ adminToken, limiter, limit }: AdminGuardDeps): AdminGuard {
  const expected = adminToken === null ? null : createHash('sha256').update(adminToken).digest();
  return async (request) => {
    if (expected === null) throw new AuthError('ADMIN_UNAUTHENTICATED');
    await limiter.hit(ADMIN_AUTH_BUCKET, limit, request.ip);
    const presented = bearerCredential(request.headers.authorization);
    if (presented === null || !timingSafeEqual(createHash('sha256').update(presented).digest(), expected)) throw new AuthError('ADMIN_UNAUTHENTICATED');
    // A right token is no failed guess. If the counters went away meanwhile, the call still
    // proved itself: it goes on, and stays counted until its window ends.
    await limiter.refund(ADMIN_AUTH_BUCKET, request.ip).catch(() => {});
  };
}
