import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Plugin as AjvPlugin } from 'ajv';
import ajvFormats from 'ajv-formats';
import Fastify, { type FastifyBaseLogger, type FastifyServerOptions, LogController } from 'fastify';
import type { Config } from '../config.js';
import type { DatabaseOutage } from '../storage/database-outage.js';
import { registerErrorHandling } from './error-handler.js';
import { registerNoStore } from './no-store.js';
import { registerRequestGuards } from './request-guards.js';
import { registerTransportHooks, transportOptions } from './transport.js';

// The Fastify instance every route is registered on, with the plumbing that holds for all of
// them: logging (with redaction), error answers, request guards, no-store, transport limits, the
// database outage tracker and the OpenAPI document.

/** ajv-formats is CommonJS: under NodeNext its default import is the module object, whose own
 * `default` is the plugin (the same function at run time). Called without options: every format. */
const formatsPlugin: AjvPlugin<unknown> = (ajv) => ajvFormats.default(ajv);

/** Never log these, wherever they appear (STYLE §2.7). */
const REDACTED_PATHS = [
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

export interface ServerDeps {
  readonly config: Config;
  /** Pino options, or false to silence; replaces the defaults, redaction included (AppDeps). */
  readonly logger?: boolean | object;
  readonly logStream?: { write(line: string): void };
}

/** `outageOf` makes the database outage tracker (storage/database-outage.ts) from the server's log:
 * HTTP code never imports storage at run time. */
export async function createServer(deps: ServerDeps, outageOf: (log: FastifyBaseLogger) => DatabaseOutage) {
  const { config } = deps;
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
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true, useDefaults: false }, plugins: [formatsPlugin] },
    forceCloseConnections: 'idle',
    ...transportOptions(config),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onResponse', async (request, reply) => {
    request.log.info({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  app.decorateRequest('caller', null);
  // Faults are reported by whoever meets them; the next committed change ends an outage.
  const databaseOutage = outageOf(app.log);
  app.decorate('databaseOutage', databaseOutage);
  registerErrorHandling(app, databaseOutage);
  registerRequestGuards(app);
  registerNoStore(app);
  registerTransportHooks(app);
  // The API takes JSON only (mosaic-backend-api.md §1.2): Fastify's built-in text/plain parser made a
  // text body a 400 "must be object" instead of 415; form bodies are parsed only by the token
  // endpoint (registered in oidcRoutes).
  app.removeContentTypeParser('text/plain');
  await app.register(swagger, {
    openapi: {
      info: { title: 'Keystate', description: 'Mosaic-compatible backend authentication API', version: '0.1.0' },
      components: {
        securitySchemes: {
          ClientAccessToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          UserAccessToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          AdminToken: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  });
  // The UI plugin serves /docs and /docs/json; DOCS_ENABLED=false leaves both to the 404 handler.
  if (config.docsEnabled) await app.register(swaggerUi, { routePrefix: '/docs' });

  return app;
}

export type Server = Awaited<ReturnType<typeof createServer>>;
