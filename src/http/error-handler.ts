import type { IncomingMessage } from 'node:http';
import { ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthError, type ErrorCode } from '../errors.js';
import { CorruptRowError } from '../corrupt-row.js';
import type { DatabaseOutage } from '../storage/database-outage.js';
import { fieldOf } from '../fields.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The internal code a schema-validation failure becomes on this route (default VALIDATION_FAILED):
     * some Mosaic endpoints document their own body for bad input. */
    validationErrorCode?: ErrorCode;
  }
}

// The only place where errors become HTTP responses. Our own errors carry their Mosaic body;
// Fastify's own 4xx (bad JSON, body too large, wrong content type, schema validation, a URL it
// cannot decode or a path segment over maxParamLength) get our shapes; so do the errors Node's
// HTTP parser raises before Fastify sees a request (malformed HTTP, a client too slow to send its
// request). A database that cannot answer (unreachable, restarting, read-only, full, too slow),
// whichever code path met it, is a 503 DATABASE_UNAVAILABLE with Retry-After, recorded in the
// outage (which logs its start and end once) instead of a stack per request. A stored row that
// does not fit its shape (CorruptRowError) is the server's fault: logged by table, shape and where
// it departs, never by value or stack, answered with the generic INTERNAL body. Anything else is a
// 500 with a generic body, logged with its stack, never sent.

/** How long a caller refused for a database outage is asked to wait (a restart takes seconds). */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

const WELL_FORMED_JSON = ['body must be well-formed JSON'];

const FASTIFY_ERRORS: Readonly<Record<string, { code: ErrorCode; message?: string | readonly string[] }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'BODY_TOO_LARGE' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'BAD_REQUEST', message: ['body length does not match Content-Length'] },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'BAD_REQUEST', message: WELL_FORMED_JSON },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'BAD_REQUEST', message: WELL_FORMED_JSON },
  // Fastify's own bodies for these echo the path back; ours never do.
  FST_ERR_BAD_URL: { code: 'BAD_REQUEST', message: 'The URL path is not valid percent-encoded UTF-8' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'URI_TOO_LONG' },
};

function toAuthError(error: FastifyError | Error, validationErrorCode: ErrorCode = 'VALIDATION_FAILED'): AuthError | null {
  if (error instanceof AuthError) return error;
  // Fastify's own errors carry these fields; any other error simply lacks them.
  const fastifyError: Partial<FastifyError> & Error = error;
  if (Array.isArray(fastifyError.validation)) {
    const messages = fastifyError.validation.map((issue) => {
      const where = `${fastifyError.validationContext ?? 'body'}${issue.instancePath.replaceAll('/', '.')}`;
      if (issue.keyword === 'additionalProperties') return `${where} has an unknown field "${String(issue.params.additionalProperty)}"`;
      if (issue.keyword === 'required') return `${where} is missing "${String(issue.params.missingProperty)}"`;
      return `${where} ${issue.message ?? 'is invalid'}`;
    });
    return new AuthError(validationErrorCode, { message: messages });
  }
  const mapped = fastifyError.code === undefined ? undefined : FASTIFY_ERRORS[fastifyError.code];
  if (mapped !== undefined) return new AuthError(mapped.code, mapped.message === undefined ? {} : { message: mapped.message });
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) {
    return new AuthError('BAD_REQUEST', { message: WELL_FORMED_JSON });
  }
  if (fastifyError.statusCode === 429) return new AuthError('RATE_LIMITED');
  return null;
}

/** Answers one request's error. Also Fastify's `frameworkErrors` option: URL errors found while
 * routing, before any route (and so any hook) applies. */
export function sendError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  // Bodies go out as JSON text, past the route's response schema: a route's schema for that status
  // (/health's 503 is { status }) must not turn an error into Fastify's serialization-failure 500.
  // An error answer concerns this one request (and may follow one that carried a secret): never cache it.
  reply.header('cache-control', 'no-store');
  const known = toAuthError(error, request.routeOptions.config?.validationErrorCode);
  if (known !== null) {
    request.log.info({ code: known.code, status: known.status, details: known.details }, 'request refused');
    const retryAfter = known.details.retryAfterSeconds;
    if (typeof retryAfter === 'number') {
      reply.header('retry-after', String(retryAfter));
    }
    return reply.code(known.status).type('application/json').send(JSON.stringify(known.toBody()));
  }
  if (error instanceof CorruptRowError) {
    request.log.error({ table: error.table, shape: error.shape, problems: error.problems }, 'stored row does not fit its shape');
  } else {
    request.log.error({ err: error }, 'unhandled error');
  }
  return reply
    .code(500)
    .type('application/json')
    .send(JSON.stringify(new AuthError('INTERNAL').toBody()));
}

/** A database fault as the caller's 503, counted as refused by the outage; null for anything else. */
function databaseRefusal(error: Error, outage: DatabaseOutage): AuthError | null {
  const fault = outage.refuse(error);
  if (fault === null) return null;
  return new AuthError('DATABASE_UNAVAILABLE', { details: { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS, reason: fault.reason }, cause: error });
}

export function registerErrorHandling(app: FastifyInstance, outage: DatabaseOutage): void {
  // Our own errors are never classified: the database's faults are looked for only in the rest.
  app.setErrorHandler((error: FastifyError, request, reply) => sendError(error instanceof AuthError ? error : (databaseRefusal(error, outage) ?? error), request, reply));
  app.setNotFoundHandler((_request, reply) => reply.code(404).send(new AuthError('ROUTE_NOT_FOUND').toBody()));
  // Without a listener Node answers an Expect other than 100-continue itself, with an empty 417.
  app.server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) => {
    const body = JSON.stringify(new AuthError('EXPECTATION_FAILED').toBody());
    response.writeHead(417, { ...errorHeaders(body), connection: 'close' }).end(body);
  });
}

/** What Node's HTTP parser reports on a connection (see `clientErrorHandler`), as our error. */
function socketErrorToAuthError(code: string): AuthError {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new AuthError('REQUEST_TIMEOUT');
  if (code === 'HPE_HEADER_OVERFLOW') return new AuthError('HEADERS_TOO_LARGE');
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return new AuthError('BODY_TOO_LARGE');
  return new AuthError('BAD_REQUEST', { message: 'Malformed HTTP request' });
}

/**
 * Fastify's `clientErrorHandler` option: Node emits `clientError` for what never becomes a request
 * (a garbage request line, a bad header, a duplicate Content-Length, broken chunked framing) and
 * when a client is too slow to send its request (headersTimeout, requestTimeout). We answer with
 * our JSON error, then close the connection: after a framing error nothing more on it can be parsed.
 */
export function clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has no one left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const refusal = socketErrorToAuthError(error.code ?? '');
  // Log the code only: the error's rawPacket holds the request bytes, Authorization header included.
  this.log.info({ code: refusal.code, status: refusal.status, parserError: error.code }, 'connection refused');
  // As Node itself does: answer only if no response on this connection has started, or the
  // bytes would be spliced into the middle of it. (_httpMessage is the response in progress.)
  const inFlight = fieldOf(socket, '_httpMessage');
  if (socket.writable && !(inFlight instanceof ServerResponse && inFlight.headersSent)) {
    const body = JSON.stringify(refusal.toBody());
    const headers = Object.entries({ ...errorHeaders(body), connection: 'close' }).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.write(`HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}\r\n${headers.join('')}\r\n${body}`);
  }
  socket.destroy();
}

function errorHeaders(body: string): Record<string, string> {
  return { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), 'cache-control': 'no-store' };
}
