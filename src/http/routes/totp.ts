import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { TotpService } from '../../credentials/totp-service.js';
import type { UserPrincipal } from '../../tokens/token-service.js';
import { closed, MessageBody } from '../schemas/common.js';
import { principalOf, userAuthHook } from '../user-auth.js';

// Registering an authenticator app with the user's access token (mosaic-backend-api.md §2.11):
// the current path and the older one, the same request and answer.

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
};
