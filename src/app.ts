import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Plugin as AjvPlugin } from 'ajv';
import ajvFormats from 'ajv-formats';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { createAppService } from './apps/app-service.js';
import type { Bootstrapped } from './bootstrap.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Senders } from './delivery/senders.js';
import { authenticationEffects } from './flows/authentication.js';
import { magicLinkEffects } from './flows/magic-link/effects.js';
import { createMagicLinkService } from './flows/magic-link/service.js';
import { otpEffects } from './flows/otp/effects.js';
import { createOtpService } from './flows/otp/service.js';
import { createFlowRunner } from './flows/runner.js';
import { clientAuthHook } from './http/client-auth.js';
import { registerErrorHandling } from './http/error-handler.js';
import { registerNoStore } from './http/no-store.js';
import { registerRequestGuards } from './http/request-guards.js';
import { adminRoutes } from './http/routes/admin.js';
import { linkRedirectRoutes } from './http/routes/link-redirect.js';
import { magicLinkRoutes } from './http/routes/magic-link.js';
import { oidcRoutes } from './http/routes/oidc.js';
import { otpRoutes } from './http/routes/otp.js';
import { healthRoutes, outboxRoutes } from './http/routes/operations.js';
import { sessionRoutes } from './http/routes/sessions.js';
import { userRoutes } from './http/routes/users.js';
import { registerTransportHooks, transportOptions } from './http/transport.js';
import { listOutboxMessages } from './repositories/outbox-repository.js';
import { createSessionRequests } from './sessions/session-requests.js';
import { createSessionService } from './sessions/session-service.js';
import type { Storage } from './storage/prisma.js';
import { createTokenService } from './tokens/token-service.js';
import { createUserService } from './users/user-service.js';

// buildApp(deps) wires services and routes into a Fastify instance. It never listens and never
// reads the environment: src/main.ts does both, tests build it with their own deps.

export interface AppDeps {
  readonly config: Config;
  readonly storage: Storage;
  readonly clock: Clock;
  readonly boot: Bootstrapped;
  readonly senders: Senders;
  /** Pino options, or false to silence (tests). Replaces the default options, redaction included. */
  readonly logger?: boolean | object;
  /** Where the default logger writes (stdout when unset). Tests capture the log here and still get
   * the production options, redaction included: passing `logger` instead would replace those. */
  readonly logStream?: { write(line: string): void };
}

/** Never log these, wherever they appear (STYLE §2.7). */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.code',
  '*.otp',
  '*.passcode',
  '*.token',
  '*.secret',
  '*.client_secret',
  '*.password',
  '*.session_id',
  '*.refresh_token',
  '*.access_token',
  '*.id_token',
];

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // (the TypeBox provider only types the routes; callers see a plain instance)
  const { config, storage, clock, boot } = deps;
  const logger: FastifyServerOptions['logger'] = deps.logger ?? {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(deps.logStream === undefined ? {} : { stream: deps.logStream }),
  };
  const app = Fastify({
    logger,
    bodyLimit: config.bodyLimitBytes,
    // Request URLs of the emailed link carry the code: log the route, never the query string.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true, useDefaults: false }, plugins: [ajvFormats as unknown as AjvPlugin<unknown>] },
    forceCloseConnections: 'idle',
    ...transportOptions(config),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onResponse', async (request, reply) => {
    request.log.info({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  app.decorateRequest('client', null);
  registerErrorHandling(app);
  registerRequestGuards(app);
  registerNoStore(app);
  registerTransportHooks(app);
  // The API takes JSON only (mosaic-backend-api.md §1.2): Fastify's built-in text/plain parser made a
  // text body a 400 "must be object" instead of 415; form bodies are parsed only by the token
  // endpoint (registered in oidcRoutes).
  app.removeContentTypeParser('text/plain');
  await app.register(rateLimit, { global: false, hook: 'preHandler' });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Keystate', description: 'Mosaic-compatible backend authentication API', version: '0.1.0' },
      components: {
        securitySchemes: {
          ClientAccessToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          AdminToken: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  });
  // The UI plugin serves /docs and /docs/json; DOCS_ENABLED=false leaves both to the 404 handler.
  if (config.docsEnabled) await app.register(swaggerUi, { routePrefix: '/docs' });

  const tokens = createTokenService({ issuer: config.issuer, clock, keyring: boot.keyring });
  const sessions = createSessionService({ hasher: boot.hasher });
  const authentication = authenticationEffects({ hasher: boot.hasher, sessions, tokens });
  const runner = createFlowRunner({
    storage,
    clock,
    effects: {
      'magic-link': {
        ...magicLinkEffects({ config, hasher: boot.hasher, emailSender: deps.senders.email, log: app.log }),
        ...authentication,
      },
      otp: {
        ...otpEffects({ hasher: boot.hasher, emailSender: deps.senders.email, smsSender: deps.senders.sms, retryDelaysMs: config.deliveryRetryDelaysMs, log: app.log }),
        ...authentication,
      },
    },
  });
  const apps = createAppService({ storage, hasher: boot.hasher, tokens, defaultTenantId: boot.defaultTenant.id });
  const magicLinks = createMagicLinkService({ storage, clock, runner, hasher: boot.hasher });
  const users = createUserService({ storage, clock });
  const otp = createOtpService({ storage, clock, runner, hasher: boot.hasher });
  const sessionRequests = createSessionRequests({ storage, clock, hasher: boot.hasher, sessions, tokens });

  await app.register(healthRoutes, { ping: () => storage.ping() });
  await app.register(oidcRoutes, { apps, tokens, config });
  await app.register(linkRedirectRoutes, { magicLinks });
  await app.register(adminRoutes, { apps, adminToken: config.adminToken });
  // Everything under /cis/v1 but the emailed link needs the caller's client access token.
  await app.register(async (scope) => {
    scope.addHook('onRequest', clientAuthHook(tokens));
    await scope.register(magicLinkRoutes, { magicLinks, limits: config.rateLimits });
    await scope.register(userRoutes, { users });
    await scope.register(otpRoutes, { otp, limits: config.rateLimits });
    await scope.register(sessionRoutes, { sessions: sessionRequests, limits: config.rateLimits });
  });
  if (config.nodeEnv !== 'production') {
    await app.register(outboxRoutes, { listOutbox: (filter) => listOutboxMessages(storage.db, filter) });
  }
  return app as unknown as FastifyInstance;
}
