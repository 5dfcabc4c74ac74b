import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthError } from '../errors.js';
import type { RateLimit } from '../config.js';

// Per-route presets for @fastify/rate-limit (registered with `hook: 'preHandler'`, so the client
// token has been verified and the body parsed when the key is computed). Keys are scoped to the
// calling app and hashed, so a code or identifier never sits in memory or logs as a plain key.

export function perCallerLimit(limit: RateLimit, name: string, subject: (body: Record<string, unknown>) => string) {
  return {
    max: limit.max,
    timeWindow: limit.windowMs,
    keyGenerator: (request: FastifyRequest): string => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const digest = createHash('sha256').update(subject(body)).digest('base64url');
      return `${name}:${request.client?.appId ?? request.ip}:${digest}`;
    },
  };
}

/**
 * A second, coarser limit on a route that already has a per-route one. @fastify/rate-limit runs
 * only one limiter per request, so this one only *checks* through `createRateLimit` and answers
 * 429 itself.
 */
export function additionalLimit(app: FastifyInstance, limit: RateLimit, name: string, subject: (body: Record<string, unknown>) => string) {
  const check = app.createRateLimit(perCallerLimit(limit, name, subject));
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const result = await check(request);
    if (!result.isAllowed && result.isExceeded) {
      reply.header('retry-after', String(result.ttlInSeconds));
      throw new AuthError('RATE_LIMITED', { details: { limit: name } });
    }
  };
}
