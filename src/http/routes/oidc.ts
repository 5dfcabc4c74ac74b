import formbody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppService } from '../../apps/app-service.js';
import type { Config } from '../../config.js';
import { AuthError } from '../../errors.js';
import type { TokenService } from '../../tokens/token-service.js';
import type { RateLimiter } from '../../limits/rate-limiter.js';
import { MessageBody } from '../schemas/common.js';
import { fieldOf } from '../../fields.js';

// The client-credentials token endpoint (§1.3, served at /oidc/token and /cis/oidc/token), the
// JWKS and the discovery document (§2.13).

const TokenBody = Type.Object(
  {
    grant_type: Type.String({ maxLength: 64 }),
    client_id: Type.Optional(Type.String({ maxLength: 256 })),
    client_secret: Type.Optional(Type.String({ maxLength: 512 })),
    resource: Type.Optional(Type.String({ maxLength: 2048 })),
    scope: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);

const TOKEN_PATHS = ['/oidc/token', '/cis/oidc/token'] as const;

/** The credentials a body names, read before validation (the rate limit runs first). */
function bodyCredentials(body: unknown): { client_id?: string; client_secret?: string } {
  const clientId = fieldOf(body, 'client_id');
  const clientSecret = fieldOf(body, 'client_secret');
  return { ...(typeof clientId === 'string' ? { client_id: clientId } : {}), ...(typeof clientSecret === 'string' ? { client_secret: clientSecret } : {}) };
}

/** client_secret_basic (RFC 6749 §2.3.1: both parts form-urlencoded) or client_secret_post. */
function clientCredentials(request: FastifyRequest, body: { client_id?: string; client_secret?: string }): { clientId: string; clientSecret: string } {
  const header = request.headers.authorization;
  if (header !== undefined && /^Basic\s+/i.test(header)) {
    const decoded = Buffer.from(header.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    if (separator > 0) {
      try {
        return { clientId: decodeURIComponent(decoded.slice(0, separator)), clientSecret: decodeURIComponent(decoded.slice(separator + 1)) };
      } catch {
        // fall through to invalid_client
      }
    }
    throw new AuthError('CLIENT_AUTH_FAILED', { extraBody: { error: 'invalid_client', error_description: 'Malformed Basic credentials' } });
  }
  if (body.client_id === undefined || body.client_secret === undefined) {
    throw new AuthError('CLIENT_AUTH_FAILED', { extraBody: { error: 'invalid_client', error_description: 'Client credentials are missing' } });
  }
  return { clientId: body.client_id, clientSecret: body.client_secret };
}

/** One bucket for both token paths (a client alternating /oidc/token and /cis/oidc/token gets one
 * limit), per claimed client, or per address when the request names none. */
function clientTokenLimit(limiter: RateLimiter, config: Config) {
  return async (request: FastifyRequest): Promise<void> => {
    let subject: string;
    try {
      subject = `client:${clientCredentials(request, bodyCredentials(request.body)).clientId}`;
    } catch {
      subject = `ip:${request.ip}`;
    }
    await limiter.hit('client-token', config.rateLimits.clientToken, subject);
  };
}

export const oidcRoutes: FastifyPluginAsyncTypebox<{ apps: AppService; tokens: TokenService; config: Config; limiter: RateLimiter }> = async (app, { apps, tokens, config, limiter }) => {
  // Form bodies (§1.3) only here: every other endpoint takes JSON and answers 415 to anything else.
  await app.register(formbody);
  const limitPerClient = clientTokenLimit(limiter, config);

  for (const path of TOKEN_PATHS) {
    app.post(
      path,
      {
        preHandler: limitPerClient,
        schema: {
          summary: 'Get a client access token (client_credentials)',
          tags: ['oidc'],
          consumes: ['application/x-www-form-urlencoded', 'application/json'],
          body: TokenBody,
          response: {
            200: Type.Object({ access_token: Type.String(), token_type: Type.Literal('Bearer'), expires_in: Type.Number(), scope: Type.String() }),
            '4xx': MessageBody,
          },
        },
      },
      async (request, reply) => {
        const body = request.body;
        if (body.grant_type !== 'client_credentials') {
          throw new AuthError('BAD_REQUEST', { extraBody: { error: 'unsupported_grant_type', error_description: 'Only client_credentials is supported' } });
        }
        const { clientId, clientSecret } = clientCredentials(request, body);
        reply.header('cache-control', 'no-store');
        return apps.issueClientToken(clientId, clientSecret, body.resource ?? null);
      },
    );
  }

  app.get('/cis/oidc/jwks', { schema: { summary: 'Public signing keys', tags: ['oidc'] } }, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return tokens.jwks();
  });

  app.get('/cis/oidc/.well-known/openid-configuration', { schema: { summary: 'OIDC discovery', tags: ['oidc'] } }, async () => discoveryDocument(config, tokens.algorithm));
};

/** The discovery document (§2.13): what a client may ask of this issuer. */
function discoveryDocument(config: Config, algorithm: TokenService['algorithm']) {
  return {
    issuer: config.issuer,
    jwks_uri: `${config.publicUrl}/cis/oidc/jwks`,
    token_endpoint: `${config.publicUrl}/oidc/token`,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    id_token_signing_alg_values_supported: [algorithm],
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    scopes_supported: ['openid', 'offline_access'],
    claims_parameter_supported: true,
    claims_supported: [
      'sub',
      'tid',
      'aud',
      'exp',
      'iat',
      'iss',
      'auth_time',
      'amr',
      'at_hash',
      'email',
      'email_verified',
      'phone_number',
      'phone_number_verified',
      'username',
      'fname',
      'lname',
      'mname',
    ],
  };
}
