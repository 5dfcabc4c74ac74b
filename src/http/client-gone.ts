import type { FastifyReply } from 'fastify';

// A signal that fires when the client goes away before its answer is sent (it closed the
// connection: its own timeout, a user who gave up), so that work still queued for it can be
// dropped instead of done for nobody. Fastify's `request.signal` cannot tell this: it fires once
// the request's body has been read, whether or not the client is still there; a response that
// closes before it has ended is the client leaving.

export function clientGone(reply: FastifyReply): AbortSignal {
  const gone = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableEnded) gone.abort();
  });
  return gone.signal;
}
