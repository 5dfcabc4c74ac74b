import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { TotpLogin } from './use-case.js';
import type { TotpService } from './enrolment.js';
import { AuthError } from '../../errors.js';
import { isIdentifierType } from '../../users/identifiers.js';
import { callerOf } from '../../http/client-auth.js';
import type { UserPrincipal } from '../../tokens/token-service.js';
import { authenticateFields, authenticateOptions, clientSecurity, closed, IdentifierType, MessageBody, TokenResponse } from '../../http/schemas/common.js';
import { principalOf, userAuthHook } from '../../http/user-auth.js';

// Authenticator apps (mosaic-backend-api.md §2.11): registering one with the user's access token
// (the current path and the older one, the same request and answer), and logging in with its code
// (the app's client access token), alone or as a second factor.

const RegisterBody = Type.Object(
  {
    // The account name the authenticator app shows; the otpauth label separates issuer and account with a colon.
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[^:]+$' })),
    allow_override: Type.Optional(Type.Boolean()),
    device_id: Type.Optional(Type.String({ maxLength: 80 })),
  },
  closed,
);

const Registration = Type.Object({
  secret: Type.String({ description: 'The seed, base32, shown once' }),
  uri: Type.String({ description: 'The otpauth:// URI authenticator apps scan' }),
  qr_code: Type.String({ description: 'The URI as a QR code, a PNG data URL (extension)' }),
});

export const totpRoutes: FastifyPluginAsyncTypebox<{ totp: TotpService; verifyUser: (token: string) => Promise<UserPrincipal> }> = async (app, { totp, verifyUser }) => {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', userAuthHook(verifyUser));
  for (const url of ['/cis/v1/auth/totp/register', '/cis/v1/users/me/totp']) {
    app.post(
      url,
      {
        schema: {
          summary: 'Register an authenticator app (TOTP) for the calling user',
          tags: ['authenticator apps'],
          security: [{ UserAccessToken: [] }],
          body: RegisterBody,
          response: { 201: Registration, '4xx': MessageBody },
        },
      },
      async (request, reply) => {
        const registration = await totp.register(principalOf(request), { label: request.body.label ?? null, allowOverride: request.body.allow_override ?? false });
        return reply.code(201).send(registration);
      },
    );
  }
  app.post(
    '/cis/v1/users/me/totp/revoke',
    { schema: { summary: "Revoke the calling user's authenticator app", tags: ['authenticator apps'], security: [{ UserAccessToken: [] }], response: { 204: Type.Null(), '4xx': MessageBody } } },
    async (request, reply) => {
      await totp.revokeOwn(principalOf(request));
      return reply.code(204).send(null);
    },
  );
};

const AuthenticateBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 16 }),
    identifier: Type.String({ minLength: 1, maxLength: 320 }),
    // §2.11.1: email unless said otherwise (unlike the passcodes, where it is required).
    identifier_type: Type.Optional(IdentifierType),
    ...authenticateFields,
  },
  closed,
);

const UserParams = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 128 }) });

export const totpLoginRoutes: FastifyPluginAsyncTypebox<{ login: TotpLogin; totp: TotpService }> = async (app, { login, totp }) => {
  // The app manages its users' authenticators: revoke one, or lift its lockout.
  for (const [action, run] of [
    ['revoke', (caller: Parameters<TotpService['revokeFor']>[0], userId: string) => totp.revokeFor(caller, userId)],
    ['unlock', (caller: Parameters<TotpService['unlockFor']>[0], userId: string) => totp.unlockFor(caller, userId)],
  ] as const) {
    app.post(
      `/cis/v1/users/:userId/totp/${action}`,
      {
        schema: {
          summary: `${action === 'revoke' ? 'Revoke' : 'Unlock'} a user's authenticator app`,
          tags: ['authenticator apps'],
          security: clientSecurity,
          params: UserParams,
          response: { 204: Type.Null(), '4xx': MessageBody },
        },
      },
      async (request, reply) => {
        await run(callerOf(request), request.params.userId);
        return reply.code(204).send(null);
      },
    );
  }

  app.post(
    '/cis/v1/auth/totp/authenticate',
    {
      config: { validationErrorCode: 'OTP_INVALID_INPUT' },
      schema: {
        summary: 'Log in with the code of an authenticator app (TOTP), alone or as a second factor',
        tags: ['authenticator apps'],
        security: clientSecurity,
        body: AuthenticateBody,
        response: { 200: TokenResponse, '4xx': MessageBody },
      },
    },
    async (request) => {
      const body = request.body;
      const identifierType = body.identifier_type ?? 'email';
      if (!isIdentifierType(identifierType)) throw new AuthError('OTP_INVALID_INPUT', { message: ['identifier_type must be one of email, phone_number, user_id, username'] });
      return login.authenticate(callerOf(request), { token: body.token, identifierType, identifier: body.identifier, ...authenticateOptions(body) });
    },
  );
};
