import type { FastifyRequest } from 'fastify';
import { AuthError } from '../errors.js';
import type { UserPrincipal } from '../tokens/token-service.js';
import { clientBearerToken } from './bearer.js';

// The few endpoints a user's own access token calls (registering an authenticator app): the token
// says which user of which app acts, in which session. A client access token never passes here (its
// `typ` differs), nor does a user token pass the client endpoints. A signature and an `exp` are not
// enough: the use case asks, in the transaction that acts, whether the token's session still stands
// (src/flows/session/token-session.ts), so a token kept after logout or revoke-all acts no more.

declare module 'fastify' {
  interface FastifyRequest {
    principal: UserPrincipal | null;
  }
}

export function userAuthHook(verify: (token: string) => Promise<UserPrincipal>) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = clientBearerToken(request.headers.authorization);
    if (token === null) throw new AuthError('TOKEN_INVALID', { details: { reason: 'missing' } });
    request.principal = await verify(token);
  };
}

/** The calling user; routes behind userAuthHook always have one. */
export function principalOf(request: FastifyRequest): UserPrincipal {
  if (request.principal === null) throw new AuthError('TOKEN_INVALID');
  return request.principal;
}
