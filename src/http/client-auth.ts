import type { FastifyRequest } from 'fastify';
import { AuthError } from '../errors.js';
import type { AppRecord } from '../repositories/app-repository.js';
import { clientBearerToken } from './bearer.js';

// Every /cis/v1 endpoint is called by an app's backend with its client access token. The token
// alone says which tenant and app the call acts for: no request body can choose them. The hook
// loads that app once per request and the use cases receive it as their caller.

declare module 'fastify' {
  interface FastifyRequest {
    caller: AppRecord | null;
  }
}

export function clientAuthHook(authorizeCaller: (token: string) => Promise<AppRecord>) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = clientBearerToken(request.headers.authorization);
    if (token === null) throw new AuthError('TOKEN_INVALID', { details: { reason: 'missing' } });
    request.caller = await authorizeCaller(token);
  };
}

/** The calling app; routes behind clientAuthHook always have one. */
export function callerOf(request: FastifyRequest): AppRecord {
  if (request.caller === null) throw new AuthError('TOKEN_INVALID');
  return request.caller;
}
