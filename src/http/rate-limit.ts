import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
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
