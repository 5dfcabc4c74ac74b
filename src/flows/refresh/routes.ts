import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RefreshService } from './use-case.js';
import { callerOf } from '../../http/client-auth.js';
import { clientSecurity, closed, MessageBody } from '../../http/schemas/common.js';

// Refresh-token rotation (mosaic-backend-api.md §2.6): the refresh flow's HTTP face. It keeps the
// 'sessions' tag it always had, so the API documentation groups it where callers look for it.

export const refreshRoutes: FastifyPluginAsyncTypebox<{ refresh: RefreshService }> = async (app, { refresh }) => {
  app.post(
    '/cis/v1/auth/token/refresh',
    {
      schema: {
        summary: 'Exchange a refresh token for new tokens (rotation; the session is not touched)',
        tags: ['sessions'],
        security: clientSecurity,
        body: Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 512 }) }, closed),
        response: {
          200: Type.Object({ access_token: Type.String(), id_token: Type.String(), refresh_token: Type.String(), token_type: Type.Literal('Bearer'), expires_in: Type.Number() }),
          '4xx': MessageBody,
        },
      },
    },
    async (request) => refresh.refresh(callerOf(request), request.body.refresh_token),
  );
};
