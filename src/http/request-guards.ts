import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthError } from '../errors.js';

// Checks every request passes before any route sees it, for input that is well-formed HTTP but no
// sensible request: each would otherwise reach a route as something else (a query value Fastify
// kept undecoded) or fail deep down as a 500 (PostgreSQL refuses NUL in text).

/** Refused in our validation shape, with the route's own validation code where it has one. */
function invalid(request: FastifyRequest, problem: string): AuthError {
  return new AuthError(request.routeOptions.config?.validationErrorCode ?? 'VALIDATION_FAILED', { message: [problem] });
}

function checkUrl(request: FastifyRequest): void {
  // RFC 9112 §3.2: an HTTP/1.1 request without Host is a 400 (Node's own answer has no body).
  if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
    throw new AuthError('BAD_REQUEST', { message: 'The Host header is required' });
  }
  const url = request.raw.url ?? '';
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const query = queryStart === -1 ? '' : url.slice(queryStart + 1);
  if (/%00/i.test(path)) throw invalid(request, 'the URL path must not contain NUL characters');
  if (query === '') return;
  // Fastify's query parser keeps a malformed escape as raw text ("%E0%A4%A" stays as it is).
  try {
    decodeURIComponent(query);
  } catch {
    throw invalid(request, 'querystring is not valid percent-encoded UTF-8');
  }
  if (/%00/i.test(query)) throw invalid(request, 'querystring must not contain NUL characters');
}

/** True when a string (value or key) anywhere in a parsed body holds a NUL character. Iterative:
 * a deeply nested body must not exhaust the stack. */
function containsNul(body: unknown): boolean {
  const pending: unknown[] = [body];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return true;
    } else if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, member] of Object.entries(value)) {
        if (key.includes('\u0000')) return true;
        pending.push(member);
      }
    }
  }
  return false;
}

export function registerRequestGuards(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => checkUrl(request));
  app.addHook('preValidation', async (request) => {
    if (containsNul(request.body)) throw invalid(request, 'body must not contain NUL characters');
  });
}
