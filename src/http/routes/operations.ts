import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { OutboxMessage } from '../../delivery/outbox.js';
import type { DatabaseOutage } from '../../storage/database-outage.js';
import { DATABASE_RETRY_AFTER_SECONDS } from '../error-handler.js';

// GET /health (liveness: the process answers and reaches its database), GET /ready (readiness: every
// named probe passes, the database's being a committed write) and, outside production, GET /dev/outbox.

export const healthRoutes: FastifyPluginAsyncTypebox<{ ping: () => Promise<void>; outage: DatabaseOutage }> = async (app, { ping, outage }) => {
  app.get(
    '/health',
    { schema: { summary: 'Liveness and database reachability', tags: ['operations'], response: { 200: Type.Object({ status: Type.Literal('ok') }), 503: Type.Object({ status: Type.String() }) } } },
    async (request, reply) => {
      try {
        await ping();
        return { status: 'ok' as const };
      } catch (error) {
        // A database outage is logged once, by the outage; anything else here is worth a line.
        if (!outage.absorb(error)) request.log.warn({ err: error }, 'health check: database unreachable');
        return reply.code(503).send({ status: 'unavailable' });
      }
    },
  );
};

/** One named check of GET /ready; `check` rejects while the dependency cannot serve. */
export interface ReadinessProbe {
  readonly name: string;
  check(): Promise<void>;
}

/** A probe that has not answered in this long counts as failing (its work goes on, and is reused). */
const PROBE_TIMEOUT_MS = 2_000;

type Verdict = 'ok' | 'failing' | 'timeout';

/** Runs a probe at most once at a time: callers that arrive while it runs share its outcome, so a
 * load balancer polling hard costs the database one write at a time. */
function shared(probe: ReadinessProbe): () => Promise<Verdict> {
  let running: Promise<void> | null = null;
  return () => {
    running ??= probe.check().finally(() => {
      running = null;
    });
    const check = running;
    return new Promise<Verdict>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), PROBE_TIMEOUT_MS);
      check
        .then(
          () => resolve('ok'),
          () => resolve('failing'),
        )
        .finally(() => clearTimeout(timer));
    });
  };
}

/** How long a passing write probe vouches for the database (outside an outage): /ready is
 * unauthenticated, and a caller polling it in a loop must not turn into back-to-back writes. */
const WRITE_PROBE_VALID_MS = 1_000;

/** The database's readiness: a committed write, since a read-only or full database still reads. At
 * most one write a second while all is well; every call during an outage (a write that failed makes
 * the outage start, so a database that stopped taking writes is seen at its first refused write). */
export function databaseProbe(probeWrite: () => Promise<void>, outage: DatabaseOutage, now: () => number = () => performance.now()): ReadinessProbe {
  let passedAt = Number.NEGATIVE_INFINITY;
  return {
    name: 'database',
    async check() {
      if (!outage.failing && now() - passedAt < WRITE_PROBE_VALID_MS) return;
      try {
        await probeWrite();
        passedAt = now();
      } catch (error) {
        passedAt = Number.NEGATIVE_INFINITY;
        outage.absorb(error);
        throw error;
      }
    },
  };
}

export const readinessRoutes: FastifyPluginAsyncTypebox<{ probes: readonly ReadinessProbe[] }> = async (app, { probes }) => {
  const runs = probes.map((probe) => ({ name: probe.name, run: shared(probe) }));
  const checks = Type.Record(Type.String(), Type.Union([Type.Literal('ok'), Type.Literal('failing'), Type.Literal('timeout')]));
  app.get(
    '/ready',
    {
      schema: {
        summary: 'Readiness: 200 when every dependency takes work (the database a write), else 503 naming the failing ones',
        tags: ['operations'],
        response: { 200: Type.Object({ status: Type.Literal('ready'), checks }), 503: Type.Object({ status: Type.Literal('unavailable'), checks }) },
      },
    },
    async (_request, reply) => {
      const verdicts = await Promise.all(runs.map(async ({ name, run }) => [name, await run()] as const));
      const result = Object.fromEntries(verdicts);
      if (verdicts.every(([, verdict]) => verdict === 'ok')) return { status: 'ready' as const, checks: result };
      return reply
        .code(503)
        .header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS))
        .send({ status: 'unavailable' as const, checks: result });
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
