import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { SessionRequests } from './use-case.js';
import { callerOf } from '../../http/client-auth.js';
import { authenticateFields, authenticateOptions, clientSecurity, closed, MessageBody, TokenResponse } from '../../http/schemas/common.js';

// Silent authentication, logout, and a user's sessions (mosaic-backend-api.md §2.5, §2.7–2.9;
// refresh, §2.6, is the refresh flow's: ../refresh/routes.ts).

const SessionId = Type.String({ minLength: 1, maxLength: 256 });
const UserParams = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 64 }) });

export const sessionRoutes: FastifyPluginAsyncTypebox<{ sessions: SessionRequests }> = async (app, { sessions }) => {
  app.post(
    '/cis/v1/auth/session/authenticate',
    {
      schema: {
        summary: 'Silent authentication / SSO: fresh tokens for the calling app from an existing session',
        tags: ['sessions'],
        security: clientSecurity,
        body: Type.Object({ ...authenticateFields, session_id: SessionId }, closed),
        response: { 200: Type.Object({ ...TokenResponse.properties, step_up_required: Type.Boolean() }), '4xx': MessageBody },
      },
    },
    async (request) => {
      const body = request.body;
      const { resource, claims } = authenticateOptions(body);
      return sessions.silentAuthenticate(callerOf(request), { sessionId: body.session_id, resource, claims });
    },
  );

  app.post(
    '/cis/v1/auth/session/logout',
    {
      schema: {
        summary: 'End a session and revoke its refresh tokens',
        tags: ['sessions'],
        security: clientSecurity,
        body: Type.Object({ session_id: SessionId }, closed),
        response: { 204: Type.Null(), '4xx': MessageBody },
      },
    },
    async (request, reply) => {
      await sessions.logout(callerOf(request), request.body.session_id);
      return reply.code(204).send(null);
    },
  );

  await userSessionRoutes(app, { sessions });
};

/** A user's sessions, as the app sees them: listed, or all revoked. */
const userSessionRoutes: FastifyPluginAsyncTypebox<{ sessions: SessionRequests }> = async (app, { sessions }) => {
  app.get(
    '/cis/v1/auth/users/:userId/sessions',
    {
      schema: {
        summary: "List a user's active sessions (newest first, at most 100)",
        tags: ['sessions'],
        security: clientSecurity,
        params: UserParams,
        response: { 200: Type.Array(Type.Object({ session_id: Type.String(), start_time: Type.String(), expiration_time: Type.String() })), '4xx': MessageBody },
      },
    },
    async (request) => sessions.list(callerOf(request), request.params.userId),
  );

  app.delete(
    '/cis/v1/auth/users/:userId/sessions',
    {
      schema: { summary: "Revoke all of a user's sessions", tags: ['sessions'], security: clientSecurity, params: UserParams, response: { 204: Type.Null(), '4xx': MessageBody } },
    },
    async (request, reply) => {
      await sessions.revokeAll(callerOf(request), request.params.userId);
      return reply.code(204).send(null);
    },
  );
};
