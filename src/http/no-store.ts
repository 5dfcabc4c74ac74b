import type { FastifyInstance } from 'fastify';

// Responses that can carry a token, a code, a client secret or a login link must never be kept
// by a cache or a browser (RFC 6749 §5.1, RFC 9111 §5.2.2.5): everything of the Mosaic API, both
// token endpoints, the admin API and the dev outbox, answers `Cache-Control: no-store`, errors
// included. Public keys, discovery and the passkey helper module (a static file under /cis/v1, the
// path apps import it from) stay cacheable: they are the same for everyone.

const NO_STORE_PREFIXES = ['/cis/v1/', '/admin/', '/dev/outbox'] as const;
const NO_STORE_PATHS = new Set(['/oidc/token', '/cis/oidc/token']);
const CACHEABLE_PATHS = new Set(['/cis/v1/webauthn/client.js']);

/** `url` as the request line has it: origin-form (`/path?query`) or absolute-form (`http://host/path`). */
export function mustNotBeStored(url: string): boolean {
  const origin = url.startsWith('/') ? url : url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '');
  const queryStart = origin.indexOf('?');
  const path = queryStart === -1 ? origin : origin.slice(0, queryStart);
  if (CACHEABLE_PATHS.has(path)) return false;
  return NO_STORE_PATHS.has(path) || NO_STORE_PREFIXES.some((prefix) => path.startsWith(prefix));
}

export function registerNoStore(app: FastifyInstance): void {
  // onSend runs for every answer, the error and not-found handlers' included.
  app.addHook('onSend', async (request, reply) => {
    if (mustNotBeStored(request.url)) reply.header('cache-control', 'no-store');
  });
}
