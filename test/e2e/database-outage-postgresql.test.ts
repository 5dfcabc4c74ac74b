import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/storage/migrate.js';
import { captureLog, expectOneOutage } from '../helpers/captured-log.js';
import { testEngine } from '../helpers/db.js';
import { type PrivatePostgres, startPrivatePostgres } from '../helpers/private-postgres.js';
import { type Answer, startRequestStream } from '../helpers/request-stream.js';
import { startStallingProxy } from '../helpers/stalling-proxy.js';
import { DATABASE_UNAVAILABLE_BODY, probe, startTestServer, type TestClient } from '../helpers/test-server.js';

// Issue 15, point 1, on PostgreSQL: a database that cannot answer is a 503 DATABASE_UNAVAILABLE with
// Retry-After, never a 500; nothing is written; the log says once when the outage started and once
// when it ended (with how many requests were refused), no stack per request; /health stays a
// liveness check, /ready fails while writes do; and the same app serves again once the database is
// back. The outages are real: a private cluster (test/helpers/private-postgres.ts) stopped and
// started, switched to read-only, or stalled mid-transaction behind a loopback proxy.

const UNAVAILABLE = DATABASE_UNAVAILABLE_BODY;

let cluster: PrivatePostgres;

beforeAll(async () => {
  if (testEngine() === 'postgresql') cluster = await startPrivatePostgres();
}, 120_000);

afterAll(async () => {
  await cluster?.destroy();
});

async function serverOn(name: string, options: { via?: number; observe?: (sql: string) => void } = {}) {
  const direct = await cluster.createDatabase(name);
  await migrate(direct);
  const databaseUrl = options.via === undefined ? direct : direct.replace(`:${cluster.port}/`, `:${options.via}/`);
  const log = captureLog();
  const server = await startTestServer({ databaseUrl, env: { LOG_LEVEL: 'info' }, logStream: log.stream, ...(options.observe ? { observe: options.observe } : {}) });
  return { server, log };
}

/** Creates a user (a write, in a runner transaction) or reads one (a plain repository read). */
function createOrRead(client: TestClient, userId: string) {
  return async (n: number) => {
    if (n % 2 === 1) return { label: 'read', ...(await client.call('GET', `/cis/v1/users/${userId}`)) };
    const email = `user-${n}-${Math.random().toString(36).slice(2)}@example.com`;
    return { label: `create ${email}`, ...(await client.call('POST', '/cis/v1/users', { email })) };
  };
}

const isCreate = (answer: Answer<string>) => answer.label.startsWith('create');
const answered = (status: number) => (answer: Answer<string>) => answer.status === status;

/** Every answer is a success or the documented 503 with Retry-After: never a 500. */
function expectOnlySuccessOrUnavailable(answers: readonly Answer<string>[]): void {
  for (const answer of answers) {
    if (answer.status < 300) continue;
    expect({ status: answer.status, body: answer.body, retryAfter: answer.retryAfter }, answer.label).toEqual({ status: 503, body: UNAVAILABLE, retryAfter: '5' });
  }
}

async function expectNotWritten(client: TestClient, answers: readonly Answer<string>[]): Promise<void> {
  for (const answer of answers.filter(isCreate)) {
    const email = answer.label.slice('create '.length);
    expect((await client.call('GET', `/cis/v1/users/email/${encodeURIComponent(email)}`)).status, email).toBe(404);
  }
}

describe.skipIf(testEngine() !== 'postgresql')('a PostgreSQL outage', () => {
  it('a restart under requests: 503 + Retry-After, nothing written, one line at its start and one at its end; the same app serves again', async () => {
    const { server, log } = await serverOn('restarted');
    try {
      const client = await server.createApp();
      const userId = (await client.call('POST', '/cis/v1/users', { email: 'first@example.com' })).body.result.user_id as string;
      const stream = startRequestStream<'up' | 'down' | 'back'>('up', 3, createOrRead(client, userId));
      await stream.until((answers) => answers.filter(answered(201)).length >= 3);

      await cluster.stop('fast');
      stream.phase = 'down';
      await stream.until(
        (answers) => answers.filter((a) => a.phase === 'down' && a.status === 503 && isCreate(a)).length >= 3 && answers.some((a) => a.phase === 'down' && a.label === 'read' && a.status === 503),
      );
      // Liveness and readiness while it is down (neither counts as a refused request).
      expect(await probe(server, '/health')).toMatchObject({ status: 503, body: { status: 'unavailable' } });
      expect(await probe(server, '/ready')).toEqual({ status: 503, body: { status: 'unavailable', checks: { database: 'failing' } }, retryAfter: '5' });

      await cluster.start();
      stream.phase = 'back';
      await stream.until((answers) => answers.filter((a) => a.phase === 'back' && a.status === 201).length >= 3);
      await stream.stop();

      expectOnlySuccessOrUnavailable(stream.answers);
      const refused = stream.answers.filter(answered(503));
      // Requests sent while the database was down wrote nothing.
      await expectNotWritten(
        client,
        refused.filter((a) => a.phase === 'down'),
      );
      expect(await probe(server, '/ready')).toEqual({ status: 200, body: { status: 'ready', checks: { database: 'ok' } }, retryAfter: null });
      expectOneOutage(log, { reason: expect.stringMatching(/^(unreachable|connection lost)$/) }, { refused: refused.length });
    } finally {
      await server.close();
    }
  }, 180_000);

  it('read-only: writes answer 503 while reads and /health answer; /ready fails until writes work again', async () => {
    const { server, log } = await serverOn('read_only');
    const readOnly = async (on: boolean) => {
      await cluster.sql(`ALTER DATABASE read_only ${on ? 'SET default_transaction_read_only = on' : 'RESET default_transaction_read_only'}`);
      // The app's pooled connections keep the setting they started with: end them (while no request
      // is in flight, and waiting until they are gone), so that the next ones start with the new one.
      await cluster.sql("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = 'read_only' AND pid <> pg_backend_pid()");
    };
    try {
      const client = await server.createApp();
      const userId = (await client.call('POST', '/cis/v1/users', { email: 'first@example.com' })).body.result.user_id as string;
      await readOnly(true);
      const during = startRequestStream('read-only', 2, createOrRead(client, userId));
      await during.until((answers) => answers.filter(isCreate).length >= 4 && answers.filter((a) => !isCreate(a)).length >= 4);
      await during.stop();
      expect(await probe(server, '/ready')).toEqual({ status: 503, body: { status: 'unavailable', checks: { database: 'failing' } }, retryAfter: '5' });
      expect(await probe(server, '/health')).toEqual({ status: 200, body: { status: 'ok' }, retryAfter: null });

      await readOnly(false);
      const after = startRequestStream('writable', 2, createOrRead(client, userId));
      await after.until((answers) => answers.filter(answered(201)).length >= 2);
      await after.stop();

      expect(during.answers.filter(isCreate).map((a) => a.status)).toEqual(during.answers.filter(isCreate).map(() => 503));
      expect(during.answers.filter((a) => !isCreate(a)).map((a) => a.status)).toEqual(during.answers.filter((a) => !isCreate(a)).map(() => 200));
      expectOnlySuccessOrUnavailable([...during.answers, ...after.answers]);
      await expectNotWritten(client, during.answers);
      expect(await probe(server, '/ready')).toMatchObject({ status: 200 });
      expectOneOutage(log, { reason: 'read-only', code: '25006' }, { refused: during.answers.filter(answered(503)).length });
    } finally {
      await server.close();
    }
  });

  it('too slow: a transaction that outlives its time limit (the database stalls mid-transaction) is a 503 and writes nothing', async () => {
    let stallNext = false;
    let timedOut: () => void = () => {};
    const rolledBack = new Promise<void>((resolve) => (timedOut = resolve));
    const proxy = await startStallingProxy({ host: '127.0.0.1', port: cluster.port });
    const { server, log } = await serverOn('slow', {
      via: proxy.port,
      observe(sql) {
        // The create's INSERT (in its transaction) is held on the wire: Prisma's transaction timer
        // (5 s) runs out and Prisma rolls back; that is when the database answers again.
        if (stallNext && sql.startsWith('INSERT')) {
          stallNext = false;
          proxy.stall();
        } else if (sql === 'ROLLBACK') timedOut();
      },
    });
    try {
      const client = await server.createApp();
      // The client token first (its own request).
      expect((await client.call('GET', '/cis/v1/users/email/slow%40example.com')).status).toBe(404);
      stallNext = true;
      const pending = client.call('POST', '/cis/v1/users', { email: 'slow@example.com' });
      await rolledBack;
      proxy.resume();
      const slow = await pending;
      expect({ status: slow.status, body: slow.body, retryAfter: slow.headers.get('retry-after') }).toEqual({ status: 503, body: UNAVAILABLE, retryAfter: '5' });
      expect((await client.call('GET', '/cis/v1/users/email/slow%40example.com')).status).toBe(404);
      expect((await client.call('POST', '/cis/v1/users', { email: 'fast@example.com' })).status).toBe(201);
      expectOneOutage(log, { reason: 'too slow', code: 'P2028' }, { refused: 1 });
    } finally {
      await server.close();
      await proxy.close();
    }
  }, 180_000);
});
