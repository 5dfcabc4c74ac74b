import type { Server } from 'node:http';
import type { FastifyHttpOptions, FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { AuthError } from '../errors.js';
import { clientErrorHandler, sendError } from './error-handler.js';

// How the HTTP server treats connections: how long a client may take to send its request, how
// long an idle keep-alive connection lives, and who answers what Node's parser and Fastify's
// router refuse. Without these Fastify disables Node's request timeout, so a client trickling a
// body one byte at a time could hold a connection (and its socket and memory) for as long as it likes.

/** Longer than any path parameter a route accepts, even percent-encoded (320 characters × 3):
 * the route schemas judge the length; this only stops the router from walking absurd paths. */
export const MAX_PARAM_LENGTH = 1024;

/** Node checks the request and headers deadlines of open connections only every
 * `connectionsCheckingInterval` ms (30 s by default, which would let a slow client outlive a 10 s
 * timeout threefold). A quarter of the shorter timeout keeps the overshoot at 25 %; the floor keeps
 * very small timeouts from turning the check into a busy loop, the one-second ceiling keeps long
 * ones enforced promptly (the check walks the open connections: cheap at once a second). */
export function connectionsCheckingIntervalMs(timeouts: Config['timeouts']): number {
  return Math.min(1000, Math.max(25, Math.floor(Math.min(timeouts.headersMs, timeouts.requestMs) / 4)));
}

export function transportOptions(config: Pick<Config, 'timeouts'>): FastifyHttpOptions<Server> {
  const { timeouts } = config;
  return {
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    http: {
      headersTimeout: timeouts.headersMs,
      connectionsCheckingInterval: connectionsCheckingIntervalMs(timeouts),
      // Node answers a missing Host itself, with an empty body; src/http/request-guards.ts answers
      // it in our shape instead.
      requireHostHeader: false,
    },
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    clientErrorHandler,
    // Fastify's own 503 while closing has its own body; registerTransportHooks answers ours.
    return503OnClosing: false,
    // (a function of its own: the option's type is generic over the route's types, sendError is not)
    frameworkErrors: (error, request, reply) => sendError(error, request, reply),
  };
}

export function registerTransportHooks(app: FastifyInstance): void {
  // During a graceful close, requests already on an open connection (pipelined, or the next one on
  // a busy keep-alive connection) still arrive; each is refused so the client retries elsewhere,
  // and Fastify closes the connection after the answer.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async () => {
    if (closing) throw new AuthError('SHUTTING_DOWN');
  });
  // An answer sent before the request body arrived (a 401 from the auth hook, say) would otherwise
  // keep the connection open while Node drains the rest of the body, for as long as the client
  // takes to send it, and then answer 408 on top of the first answer. Closing after the answer
  // frees the connection at once.
  app.addHook('onSend', async (request, reply) => {
    if (!request.raw.complete) reply.header('connection', 'close');
  });
}
