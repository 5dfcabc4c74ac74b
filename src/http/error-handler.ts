import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthError, type ErrorCode } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The internal code a schema-validation failure becomes on this route (default VALIDATION_FAILED):
     * some Mosaic endpoints document their own body for bad input. */
    validationErrorCode?: ErrorCode;
  }
}

// The only place where errors become HTTP responses. Our own errors carry their Mosaic body;
// Fastify's own 4xx (bad JSON, body too large, wrong content type, schema validation) get our
// shapes; anything else is a 500 with a generic body, logged with its stack, never sent.

const FASTIFY_CODES: Readonly<Record<string, AuthError['code']>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
};

export function toAuthError(error: FastifyError | Error, validationErrorCode: ErrorCode = 'VALIDATION_FAILED'): AuthError | null {
  if (error instanceof AuthError) return error;
  const fastifyError = error as FastifyError;
  if (Array.isArray(fastifyError.validation)) {
    const messages = fastifyError.validation.map((issue) => {
      const where = `${fastifyError.validationContext ?? 'body'}${issue.instancePath.replaceAll('/', '.')}`;
      if (issue.keyword === 'additionalProperties') return `${where} has an unknown field "${String(issue.params.additionalProperty)}"`;
      if (issue.keyword === 'required') return `${where} is missing "${String(issue.params.missingProperty)}"`;
      return `${where} ${issue.message ?? 'is invalid'}`;
    });
    return new AuthError(validationErrorCode, { message: messages });
  }
  const mapped = fastifyError.code === undefined ? undefined : FASTIFY_CODES[fastifyError.code];
  if (mapped !== undefined) {
    const message = mapped === 'BAD_REQUEST' ? ['body must be well-formed JSON'] : undefined;
    return new AuthError(mapped, message === undefined ? {} : { message });
  }
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) {
    return new AuthError('BAD_REQUEST', { message: ['body must be well-formed JSON'] });
  }
  if (fastifyError.statusCode === 429) return new AuthError('RATE_LIMITED');
  return null;
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const known = toAuthError(error, request.routeOptions.config?.validationErrorCode);
    if (known !== null) {
      request.log.info({ code: known.code, status: known.status, details: known.details }, 'request refused');
      const retryAfter = known.details.retryAfterSeconds;
      if (known.code === 'RATE_LIMITED' && typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
      return reply.code(known.status).type('application/json').send(known.toBody());
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).type('application/json').send(new AuthError('INTERNAL').toBody());
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send(new AuthError('ROUTE_NOT_FOUND').toBody()));
}
