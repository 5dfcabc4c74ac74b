import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { OutboxMessage } from '../../delivery/outbox.js';

// GET /health (database reachable?) and, outside production, GET /dev/outbox.

export const healthRoutes: FastifyPluginAsyncTypebox<{ ping: () => Promise<void> }> = async (app, { ping }) => {
  app.get(
    '/health',
    { schema: { summary: 'Liveness and database reachability', tags: ['operations'], response: { 200: Type.Object({ status: Type.Literal('ok') }), 503: Type.Object({ status: Type.String() }) } } },
    async (request, reply) => {
      try {
        await ping();
        return { status: 'ok' as const };
      } catch (error) {
        request.log.warn({ err: error }, 'health check: database unreachable');
        return reply.code(503).send({ status: 'unavailable' });
      }
    },
  );
};

export const outboxRoutes: FastifyPluginAsyncTypebox<{ listOutbox: (filter: { to?: string; limit: number }) => Promise<OutboxMessage[]> }> = async (app, { listOutbox }) => {
  app.get(
    '/dev/outbox',
    {
      schema: {
        summary: 'Messages that went to the dev outbox, newest first (development only)',
        tags: ['development'],
        querystring: Type.Object({ to: Type.Optional(Type.String({ maxLength: 320 })), limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })) }, { additionalProperties: false }),
      },
    },
    async (request) => {
      const messages = await listOutbox({ ...(request.query.to === undefined ? {} : { to: request.query.to }), limit: Math.min(Number(request.query.limit ?? 100), 1000) });
      return messages.map((message) => ({
        id: message.id,
        channel: message.channel,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        created_at: new Date(message.createdAt).toISOString(),
      }));
    },
  );
};
