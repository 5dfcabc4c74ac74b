import { createHash, timingSafeEqual } from 'node:crypto';
import { isIPv6 } from 'node:net';
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
// A call that presents no token guesses nothing and is not counted. The address is the request's IP
// as Fastify sees it, an IPv6 address by its /64 (one host usually holds a whole /64, so counting
// single addresses would give it endless guesses). `trustProxy` is not enabled: behind a reverse
// proxy every caller has the proxy's address, and wrong tokens from anyone block everyone. Since
// every call is counted while its token is compared, more than the limit's calls in flight at once
// from one address are refused too.

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
    const presented = bearerCredential(request.headers.authorization);
    if (expected === null || presented === null) throw new AuthError('ADMIN_UNAUTHENTICATED');
    const address = guessingAddress(request.ip);
    await limiter.hit(ADMIN_AUTH_BUCKET, limit, address);
    if (!timingSafeEqual(createHash('sha256').update(presented).digest(), expected)) throw new AuthError('ADMIN_UNAUTHENTICATED');
    // A right token is no failed guess. If the counters went away meanwhile, the call still
    // proved itself: it goes on, and stays counted until its window ends.
    await limiter.refund(ADMIN_AUTH_BUCKET, address).catch(() => {});
  };
}

/** Whose guesses a call counts among: an IPv4 address itself, an IPv6 address's /64. */
function guessingAddress(ip: string): string {
  if (!isIPv6(ip) || ip.toLowerCase().startsWith('::ffff:')) return ip;
  const [head = '', tail] = ip.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}
