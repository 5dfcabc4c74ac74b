import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AuthError } from '../../errors.js';
import type { MagicLinkService } from './use-case.js';
import { isIdentifierType } from '../../users/identifiers.js';
import { callerOf } from '../../http/client-auth.js';
import { authenticateFields, authenticateOptions, ClientAttributes, clientSecurity, closed, EmailContent, IdentifierType, MessageBody, TokenResponse } from '../../http/schemas/common.js';

// POST /cis/v1/auth/link/email/send and /authenticate (§2.1, §2.2), behind the client token.

const SendBody = Type.Object(
  {
    identifier: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
    identifier_type: Type.Optional(IdentifierType),
    /** Legacy form (deprecated by Mosaic, still accepted). */
    email: Type.Optional(Type.String({ minLength: 3, maxLength: 320 })),
    redirect_uri: Type.String({ minLength: 1, maxLength: 2048 }),
    email_content: Type.Optional(EmailContent),
    state: Type.Optional(Type.String({ maxLength: 2048 })),
    email_expiration: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_080 })),
    channel: Type.Optional(Type.Union([Type.Literal('email'), Type.Literal('direct')])),
    client_attributes: Type.Optional(ClientAttributes),
    device_id: Type.Optional(Type.String({ maxLength: 80 })),
    generate_request_id: Type.Optional(Type.Boolean()),
  },
  closed,
);

const AuthenticateBody = Type.Object({ code: Type.String({ minLength: 1, maxLength: 512 }), request_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })), ...authenticateFields }, closed);

export const magicLinkRoutes: FastifyPluginAsyncTypebox<{ magicLinks: MagicLinkService }> = async (app, { magicLinks }) => {
  app.post(
    '/cis/v1/auth/link/email/send',
    {
      schema: {
        summary: 'Send an email magic link (or return it with channel "direct")',
        tags: ['magic link'],
        security: clientSecurity,
        body: SendBody,
        response: {
          200: Type.Object({ message: Type.String(), link: Type.Optional(Type.String()), request_id: Type.Optional(Type.String()) }),
          '4xx': MessageBody,
        },
      },
    },
    async (request) => {
      const body = request.body;
      const form = identifierForm(body);
      return magicLinks.send(callerOf(request), {
        ...form,
        redirectUri: body.redirect_uri,
        state: body.state ?? null,
        channel: body.channel ?? 'email',
        expirationMinutes: body.email_expiration ?? null,
        emailContent: body.email_content ?? null,
        generateRequestId: body.generate_request_id ?? false,
      });
    },
  );

  app.post(
    '/cis/v1/auth/link/email/authenticate',
    {
      schema: {
        summary: 'Redeem a magic-link code for tokens',
        tags: ['magic link'],
        security: clientSecurity,
        body: AuthenticateBody,
        response: { 200: TokenResponse, '4xx': MessageBody },
      },
    },
    async (request) => {
      const body = request.body;
      return magicLinks.authenticate(callerOf(request), {
        code: body.code,
        requestId: body.request_id ?? null,
        ...authenticateOptions(body),
      });
    },
  );
};

/** Exactly one of the two documented body forms (§2.1): identifier + identifier_type, or email. */
function identifierForm(body: { identifier?: string; identifier_type?: string; email?: string }) {
  const hasIdentifier = body.identifier !== undefined || body.identifier_type !== undefined;
  if (hasIdentifier && body.email !== undefined) {
    throw new AuthError('VALIDATION_FAILED', { message: ['body must use either identifier + identifier_type or email, not both'] });
  }
  if (body.email !== undefined) return { identifierType: 'email' as const, identifier: body.email };
  if (body.identifier === undefined || body.identifier_type === undefined) {
    throw new AuthError('VALIDATION_FAILED', { message: ['body must have identifier and identifier_type (or the legacy email field)'] });
  }
  if (!isIdentifierType(body.identifier_type)) throw new AuthError('IDENTIFIER_TYPE_UNSUPPORTED');
  return { identifierType: body.identifier_type, identifier: body.identifier };
}
