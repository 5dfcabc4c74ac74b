import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/storage/migrate.js';
import { captureLog, expectOneOutage } from '../helpers/captured-log.js';
import { freshDatabase, testEngine } from '../helpers/db.js';
import { type Mounted, mountSkipReason, mountSmallFilesystem } from '../helpers/filesystems.js';
import { DATABASE_UNAVAILABLE_BODY, probe, startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// Issue 15, point 1, on SQLite: a database that takes no writes — its filesystem full (a real tmpfs
// filled to the last byte), or read-only — answers writes 503 DATABASE_UNAVAILABLE with Retry-After,
// never 500, writes nothing, and logs one line when it starts and one when writes work again; reads
// and /health still answer, /ready does not; it heals without a restart.

const UNAVAILABLE = { status: 503, body: DATABASE_UNAVAILABLE_BODY, retryAfter: '5' };

const mounts: Mounted[] = [];
afterEach(() => {
  for (const mount of mounts.splice(0)) mount.unmount();
});

async function create(client: TestClient, email: string) {
  const answer = await client.call('POST', '/cis/v1/users', { email });
  return { status: answer.status, body: answer.body, retryAfter: answer.headers.get('retry-after') };
}

/** Writes refused, reads answered, liveness kept, readiness lost; nothing written. */
async function expectWritesRefused(server: TestServer, client: TestClient, userId: string, tag: string): Promise<number> {
  const emails = [1, 2, 3].map((n) => `${tag}-${n}@example.com`);
  for (const email of emails) expect(await create(client, email), email).toEqual(UNAVAILABLE);
  expect((await client.call('GET', `/cis/v1/users/${userId}`)).status).toBe(200);
  expect(await probe(server, '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
  expect(await probe(server, '/ready')).toEqual({ status: 503, body: { status: 'unavailable', checks: { database: 'failing' } }, retryAfter: '5' });
  return emails.length;
}

async function expectHealed(server: TestServer, client: TestClient, refusedEmails: string[]): Promise<void> {
  expect((await create(client, 'healed@example.com')).status).toBe(201);
  expect(await probe(server, '/ready')).toEqual({ status: 200, body: { status: 'ready', checks: { database: 'ok' } }, retryAfter: null });
  for (const email of refusedEmails) expect((await client.call('GET', `/cis/v1/users/email/${encodeURIComponent(email)}`)).status, email).toBe(404);
}

describe.skipIf(testEngine() !== 'sqlite')('a SQLite database that takes no writes', () => {
  it.skipIf(mountSkipReason() !== null)('a full filesystem: writes 503 until space is freed, one start and one end line', async () => {
    const disk = mountSmallFilesystem(8 * 1024 * 1024);
    mounts.push(disk);
    const databaseUrl = `file:${join(disk.dir, 'keystate.db')}`;
    await migrate(databaseUrl);
    const log = captureLog();
    const server = await startTestServer({ databaseUrl, env: { LOG_LEVEL: 'info' }, logStream: log.stream });
    try {
      const client = await server.createApp();
      const userId = (await client.call('POST', '/cis/v1/users', { email: 'first@example.com' })).body.result.user_id as string;
      // Everything so far moved into the database file: the next commit must grow the log file.
      await server.storage.db.$queryRawUnsafe('PRAGMA wal_checkpoint(TRUNCATE)');
      const filler = disk.fill();

      const refused = await expectWritesRefused(server, client, userId, 'full');
      rmSync(filler);
      await expectHealed(server, client, ['full-1@example.com', 'full-2@example.com', 'full-3@example.com']);

      expectOneOutage(log, { reason: 'full', code: expect.stringMatching(/^SQLITE_FULL/) }, { refused });
    } finally {
      await server.close();
    }
  });

  it('read-only (the connection set to query_only): writes 503 until it takes writes again, one start and one end line', async () => {
    const db = await freshDatabase();
    const log = captureLog();
    const server = await startTestServer({ databaseUrl: db.url, env: { LOG_LEVEL: 'info' }, logStream: log.stream });
    try {
      const client = await server.createApp();
      const userId = (await client.call('POST', '/cis/v1/users', { email: 'first@example.com' })).body.result.user_id as string;
      // The server's one connection refuses every write with SQLITE_READONLY, as a database on a
      // filesystem remounted read-only does (root ignores file modes, so chmod would not do).
      await server.storage.db.$executeRawUnsafe('PRAGMA query_only = ON');

      const refused = await expectWritesRefused(server, client, userId, 'read-only');
      await server.storage.db.$executeRawUnsafe('PRAGMA query_only = OFF');
      await expectHealed(server, client, ['read-only-1@example.com', 'read-only-2@example.com', 'read-only-3@example.com']);

      expectOneOutage(log, { reason: 'read-only', code: expect.stringMatching(/^SQLITE_READONLY/) }, { refused });
    } finally {
      await server.close();
      await db.drop();
    }
  });
});
