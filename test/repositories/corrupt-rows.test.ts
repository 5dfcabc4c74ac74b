import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendError } from '../../src/http/error-handler.js';
import { findAppById, insertApp } from '../../src/repositories/app-repository.js';
import { readFlow } from '../../src/repositories/flow-repository.js';
import { findLiveCredential } from '../../src/repositories/credential-repository.js';
import { passwordDefinition } from '../../src/flows/password/definition.js';
import { Column, reader } from '../../src/repositories/row-reader.js';
import { jsonValue } from '../../src/repositories/sql-values.js';
import { CorruptRowError } from '../../src/corrupt-row.js';
import { captureLog } from '../helpers/captured-log.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { Type } from 'typebox';

// Rows are parsed where they enter (src/repositories/row-reader.ts): a row that does not fit its
// shape is a CorruptRowError naming the table, the shape and where, never the value, and the HTTP
// answer is the generic INTERNAL body, with no stack in the log.

const SECRET = 'sk-do-not-log-0123456789';

describe('rows that do not fit their shape', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase();
    const { db } = database.storage;
    await db.tenant.create({ data: { id: 't1', name: 'tenant' } });
    await insertApp(db, {
      id: 'a1',
      tenantId: 't1',
      name: 'app',
      clientId: 'c1',
      clientSecretHash: 'h',
      clientSecretKeyId: null,
      redirectUris: ['https://app.example/cb'],
      resources: [],
      loginPreferences: {},
      webauthn: null,
    });
  });
  afterAll(() => database.drop());

  it('a JSON column of another shape is refused by table and column, without its value', async () => {
    const { db } = database.storage;
    await db.$executeRaw`UPDATE "app" SET "redirect_uris" = ${jsonValue(database.storage.provider, { secret: SECRET })} WHERE "id" = 'a1'`;
    const error = await findAppById(db, 'a1').then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(CorruptRowError);
    expect(error).toMatchObject({ table: 'app', shape: 'app.redirect_uris' });
    expect(String(error)).not.toContain(SECRET);
  });

  it("a machine's stored context is checked against its machine's schema before the machine sees it", async () => {
    const { db, provider } = database.storage;
    await db.user.create({ data: { id: 'u1', tenantId: 't1', email: 'ada@example.com', status: 'Active', profile: {} } });
    const context = { userId: 'u1', setAt: 0, temporary: false, generation: 1, attempts: SECRET, submitted: 0, lastAttemptAt: null, lockedUntil: null, policy: null };
    await db.$executeRaw`INSERT INTO "credential" ("id", "tenant_id", "app_id", "user_id", "kind", "live_key", "secret", "params", "label", "machine_version", "input", "state_value", "context", "events", "version", "created_at", "updated_at")
      VALUES ('c1', 't1', 'a1', 'u1', 'password', 'a1:u1:password', 'hash', ${jsonValue(provider, {})}, NULL, ${passwordDefinition.version}, ${jsonValue(provider, {})}, 'active.ready',
        ${jsonValue(provider, context)}, ${jsonValue(provider, [])}, 1, ${new Date(0)}, ${new Date(0)})`;
    const error = await findLiveCredential({ tx: db, provider, locks: false }, passwordDefinition, { appId: 'a1', userId: 'u1', kind: 'password' }).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(CorruptRowError);
    expect(error).toMatchObject({ table: 'credential', shape: `a password context (version ${passwordDefinition.version})`, problems: ['/attempts must be number'] });
    expect(String(error)).not.toContain(SECRET);
  });

  it('a raw query row is parsed too (an absent flow is no row, not a corrupt one)', async () => {
    expect(await readFlow(database.storage.db, 'no-such-flow')).toBeNull();
  });
});

describe('a reader', () => {
  const rows = reader('thing', 'a thing row', Type.Object({ id: Type.String(), at: Column.date, on: Column.flag }));

  it('passes rows that fit, whatever each engine answers for a flag', () => {
    const at = new Date(0);
    expect(
      rows.all([
        { id: 'x', at, on: 1n },
        { id: 'y', at, on: true },
        { id: 'z', at, on: 0 },
      ]),
    ).toHaveLength(3);
  });

  it('names the row and the column that departs', () => {
    expect(() =>
      rows.all([
        { id: 'x', at: new Date(0), on: 1 },
        { id: 'y', at: '1970-01-01', on: 1 },
      ]),
    ).toThrow(/"thing" does not fit a thing row: row 1: \/at must be a Date/);
    expect(() => rows.all({ id: 'x' })).toThrow(CorruptRowError);
  });
});

describe('the HTTP answer to a corrupt row', () => {
  it('is the generic INTERNAL body; the log names the table and shape, with no value and no stack', async () => {
    const log = captureLog();
    const app = Fastify({ logger: { level: 'info', stream: log.stream } });
    app.setErrorHandler(sendError);
    app.get('/corrupt', async () => {
      throw new CorruptRowError('app', 'app.redirect_uris', ['/ must be array']);
    });
    const response = await app.inject({ method: 'GET', url: '/corrupt' });
    await app.close();
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ message: 'Something went wrong - Internal server error', error_code: 500 });
    const logged = log.lines().filter((line) => line.level >= 50);
    expect(logged).toEqual([expect.objectContaining({ table: 'app', shape: 'app.redirect_uris', problems: ['/ must be array'] })]);
    expect(JSON.stringify(log.lines())).not.toContain('"stack"');
  });
});
