import type { FastifyRequest } from 'fastify';
import { AuthError } from '../errors.js';
import type { ClientPrincipal, TokenService } from '../tokens/token-service.js';
import { clientBearerToken } from './bearer.js';

// Every /cis/v1 endpoint is called by an app's backend with its client access token. The token
// alone says which tenant and app the call acts for: no request body can choose them.

declare module 'fastify' {
  interface FastifyRequest {
    client: ClientPrincipal | null;
  }
}

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

export function clientAuthHook(tokens: TokenService) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = clientBearerToken(request.headers.authorization);
    if (token === null) throw new AuthError('TOKEN_INVALID', { details: { reason: 'missing' } });
    request.client = await tokens.verifyClientToken(token);
  };
}

/** The authenticated caller; routes behind clientAuthHook always have one. */
export function callerOf(request: FastifyRequest): ClientPrincipal {
  if (request.client === null) throw new AuthError('TOKEN_INVALID');
  return request.client;
}
