import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { PasswordLogin } from './use-case.js';
import type { PasswordService } from './enrolment.js';
import { callerOf } from '../../http/client-auth.js';
import { clientGone } from '../../http/client-gone.js';
import { authenticateFields, authenticateOptions, clientSecurity, closed, MessageBody, TokenResponse } from '../../http/schemas/common.js';

// Passwords (mosaic-backend-api.md §2.10, §2.12): the app sets and replaces its users' passwords,
// and logs them in with one, alone or as a factor of a session. All with the client access token.

/** Long passphrases are welcome; the bound keeps one Argon2id hash's input small. */
export const PasswordText = Type.String({ minLength: 1, maxLength: 1024 });

const SetBody = Type.Object(
  {
    password: PasswordText,
    force_replace: Type.Optional(Type.Boolean({ description: 'Temporary: good only for being replaced (default true)' })),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    enforce_complexity: Type.Optional(Type.Boolean({ description: "Check the app's password rules (default true)" })),
  },
  closed,
);

const ReplaceBody = Type.Object({ password: PasswordText, force_replace: Type.Optional(Type.Boolean()) }, closed);

const AuthenticateBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 320 }),
    password: PasswordText,
    username_type: Type.Optional(Type.Union([Type.Literal('username'), Type.Literal('email'), Type.Literal('phone_number')], { description: 'default username' })),
    ...authenticateFields,
  },
  closed,
);

const UserParams = Type.Object({ user_id: Type.String({ minLength: 1, maxLength: 128 }) });
const UserResult = Type.Object({ result: Type.Record(Type.String(), Type.Unknown()) });

export const passwordRoutes: FastifyPluginAsyncTypebox<{ login: PasswordLogin; passwords: PasswordService }> = async (app, { login, passwords }) => {
  const schema = <B extends typeof SetBody | typeof ReplaceBody>(summary: string, body: B, status: 200 | 201) => ({
    summary,
    tags: ['passwords'],
    security: clientSecurity,
    params: UserParams,
    body,
    response: { [status]: UserResult, '4xx': MessageBody },
  });

  app.post('/cis/v1/users/:user_id/password', { schema: schema("Set a user's password (409 if one is set)", SetBody, 201) }, async (request, reply) => {
    const body = request.body;
    const result = await passwords.set(callerOf(request), request.params.user_id, {
      password: body.password,
      forceReplace: body.force_replace ?? true,
      username: body.username ?? null,
      enforceComplexity: body.enforce_complexity ?? true,
    });
    return reply.code(201).send({ result });
  });

  app.put('/cis/v1/users/:user_id/password', { schema: schema("Replace a user's password (clears failures and lockout)", ReplaceBody, 200) }, async (request) => {
    const body = request.body;
    return { result: await passwords.replace(callerOf(request), request.params.user_id, { password: body.password, forceReplace: body.force_replace ?? true }) };
  });

  app.post(
    '/cis/v1/auth/password/authenticate',
    {
      config: { validationErrorCode: 'OTP_INVALID_INPUT' },
      schema: {
        summary: 'Log in with a username and password, alone or as a factor of a session',
        tags: ['passwords'],
        security: clientSecurity,
        body: AuthenticateBody,
        response: { 200: TokenResponse, '4xx': MessageBody },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const abandoned = clientGone(reply);
      return login.authenticate(callerOf(request), { username: body.username, usernameType: body.username_type ?? 'username', password: body.password, ...authenticateOptions(body), abandoned });
    },
  );
};
