import type { FastifyInstance } from 'fastify';

// Admin calls whose body is optional (POST /admin/v1/keys/rotate, …/rotate-secret): `curl -X POST`
// sends no body at all, and many HTTP clients send `Content-Type: application/json` with an empty
// one. Both mean "the defaults" there. Applied to one scope only: everywhere else an empty JSON body
// stays the 400 "body must be well-formed JSON" it is.

/** In this scope, no body or an empty JSON body is `{}`; any other body is parsed as before. */
export function acceptEmptyBody(scope: Pick<FastifyInstance, 'getDefaultJsonParser' | 'removeContentTypeParser' | 'addContentTypeParser' | 'addHook'>): void {
  // Fastify's own JSON parser, with its defaults (a `__proto__` or `constructor` key is refused).
  const parseJson = scope.getDefaultJsonParser('error', 'error');
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => (body.length === 0 ? done(null, {}) : parseJson(request, body.toString(), done)));
  scope.addHook('preValidation', async (request) => {
    request.body ??= {};
  });
}
