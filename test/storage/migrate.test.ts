import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrationAdapterFactory, migrationsDir, projectRoot, providerOf, withSchemaEngine } from '../../src/storage/migrate.js';
import { freshDatabase, type TestDatabase, testEngine } from '../helpers/db.js';

const engine = testEngine();

/** Resolves for everyone once `parties` callers have arrived: overlaps two transactions on an
 * event, not on a sleep (issue 16 §5). */
function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return () => {
    arrived += 1;
    if (arrived === parties) open();
    return opened;
  };
}

function migrationNames(): string[] {
  return readdirSync(migrationsDir(engine), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

describe(`storage on ${engine}`, () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('providerOf accepts file: and postgres URLs and names DATABASE_URL otherwise', () => {
    expect(providerOf('file:./data/keystate.db')).toBe('sqlite');
    expect(providerOf('postgres://u:p@localhost/db')).toBe('postgresql');
    expect(providerOf('postgresql://u:p@localhost:5432/db')).toBe('postgresql');
    expect(() => providerOf('mysql://u:secret@localhost/db')).toThrow(/DATABASE_URL.*file:.*postgres/);
    expect(() => providerOf('mysql://u:secret@localhost/db')).not.toThrow(/secret/);
  });

  it('applying the migrations again is a no-op and each is recorded once, like prisma migrate deploy', async () => {
    expect(await migrate(database.url)).toEqual({ applied: [] });
    expect(await migrate(database.url)).toEqual({ applied: [] });

    const rows = await database.storage.db.$queryRawUnsafe<{ migration_name: string; checksum: string; finished_at: unknown; rolled_back_at: unknown; applied_steps_count: unknown }[]>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
    );
    const names = migrationNames();
    expect(names.length).toBeGreaterThan(0);
    expect(rows.map((row) => row.migration_name)).toEqual(names);
    for (const row of rows) {
      const sql = readFileSync(join(migrationsDir(engine), row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
      expect(row.finished_at).not.toBeNull();
      expect(row.rolled_back_at).toBeNull();
      expect(Number(row.applied_steps_count)).toBe(1);
    }
  });

  it.runIf(engine === 'sqlite')('creates the SQLite file and its folders, then reports what it applied', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keystate-migrate-'));
    try {
      const url = `file:${join(dir, 'nested', 'deeper', 'keystate.db')}`;
      const lines: string[] = [];
      expect(await migrate(url, { log: (line) => lines.push(line) })).toEqual({ applied: migrationNames() });
      expect(lines.join('\n')).toMatch(/applied migration/);
      expect(await migrate(url)).toEqual({ applied: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the migrations produce exactly prisma/schema.prisma (no migration missing)', async () => {
    const schemaFile = engine === 'sqlite' ? join(projectRoot(), 'prisma', 'schema.prisma') : join(projectRoot(), 'prisma', 'postgresql', 'schema.prisma');
    const content = readFileSync(schemaFile, 'utf8');
    const files = [{ path: schemaFile, content }];
    const result = await withSchemaEngine(
      await migrationAdapterFactory(database.url),
      (schemaEngine) =>
        schemaEngine.diff({
          from: { tag: 'schemaDatasource', files, configDir: projectRoot() },
          to: { tag: 'schemaDatamodel', files },
          script: true,
          exitCode: true,
          filters: { externalTables: [], externalEnums: [] },
        }),
      [[schemaFile, content]],
    );
    expect(result.stdout, 'run `npm run db:migration -- <name>`').not.toMatch(/CREATE|ALTER|DROP/);
    expect(result.exitCode).toBe(0);
  });

  it('the derived PostgreSQL schema is in sync with prisma/schema.prisma', () => {
    const check = spawnSync(process.execPath, [join(projectRoot(), 'scripts', 'generate-clients.mjs'), '--check'], {
      encoding: 'utf8',
    });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('creates and reads through the client (relations, Json, DateTime)', async () => {
    const { db } = database.storage;
    const insertedAfter = Date.now();
    await db.tenant.create({ data: { id: 'tenant-1', name: 'Acme' } });
    await db.app.create({
      data: {
        id: 'app-1',
        tenantId: 'tenant-1',
        name: 'Portal',
        clientId: 'client-1',
        clientSecretHash: 'hash',
        redirectUris: ['https://portal.example/callback'],
        resources: [],
        loginPreferences: { methods: ['email_magiclink'], nested: { ok: true } },
      },
    });
    const tenant = await db.tenant.findUniqueOrThrow({ where: { id: 'tenant-1' }, include: { apps: true } });
    expect(tenant.name).toBe('Acme');
    expect(tenant.createdAt).toBeInstanceOf(Date);
    // The default is the time of the insert: between the moments before and after it (a second
    // either side for SQLite's whole seconds and rounding), not a bound on how long it took.
    expect(tenant.createdAt.getTime()).toBeGreaterThanOrEqual(insertedAfter - 1000);
    expect(tenant.createdAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(tenant.apps).toHaveLength(1);
    expect(tenant.apps[0]?.redirectUris).toEqual(['https://portal.example/callback']);
    expect(tenant.apps[0]?.loginPreferences).toEqual({ methods: ['email_magiclink'], nested: { ok: true } });
    await expect(db.tenant.create({ data: { id: 'tenant-2', name: 'Acme' } })).rejects.toMatchObject({ code: 'P2002' });
    await expect(
      db.app.create({
        data: { id: 'app-x', tenantId: 'missing', name: 'x', clientId: 'c-x', clientSecretHash: 'h', redirectUris: [], resources: [], loginPreferences: {} },
      }),
    ).rejects.toMatchObject({ code: 'P2003' });
    await database.storage.ping();
  });

  it('two concurrent interactive transactions: exactly one version-checked update wins', async () => {
    const { db } = database.storage;
    const expiresAt = new Date(Date.now() + 600_000);
    await db.flow.create({
      data: {
        id: 'flow-1',
        tenantId: 'tenant-1',
        appId: 'app-1',
        userId: 'user-1',
        kind: 'login',
        machineVersion: 1,
        input: {},
        stateValue: 'start',
        context: {},
        events: [],
        version: 0,
        expiresAt,
        createdAt: new Date(),
        updatedAt: new Date(),
      },
    });
    const loaded = await db.flow.findUniqueOrThrow({ where: { id: 'flow-1' } });
    // PostgreSQL: both transactions are open before either updates (each waits for the other).
    // SQLite runs one transaction at a time (the adapter's lock), so the second opens after the
    // first commits and waiting for it there would never end.
    const bothOpen = engine === 'postgresql' ? barrier(2) : async () => {};
    const advance = (state: string) =>
      db.$transaction(async (tx) => {
        await bothOpen();
        const { count } = await tx.flow.updateMany({
          where: { id: loaded.id, version: loaded.version },
          data: { version: loaded.version + 1, stateValue: state, events: [{ seq: 1, type: state, state }] },
        });
        return count;
      });
    const counts = await Promise.all([advance('a'), advance('b')]);
    expect(counts.sort()).toEqual([0, 1]);
    const flow = await db.flow.findUniqueOrThrow({ where: { id: 'flow-1' } });
    expect(flow.version).toBe(1);
    expect((flow.events as { state: string }[]).map((event) => event.state)).toEqual([flow.stateValue]);
  });

  it('a write outside a transaction is not swallowed by a concurrent transaction that rolls back', async () => {
    const { db } = database.storage;
    let outside: Promise<unknown> = Promise.resolve();
    const rolledBack = db
      .$transaction(async (tx) => {
        await tx.delivery.create({ data: { id: 'inside', channel: 'email', to: 'a@example.com', text: 'x' } });
        // The outside write is issued while this transaction is open (no sleep decides that).
        outside = db.delivery.create({ data: { id: 'outside', channel: 'email', to: 'b@example.com', text: 'y' } });
        // PostgreSQL commits it beside the open transaction. SQLite queues it behind the
        // transaction's lock: one more statement of the transaction lets it reach that queue
        // before the rollback, and awaiting it here would never end.
        if (engine === 'postgresql') await outside;
        else await tx.delivery.count();
        throw new Error('roll back');
      })
      .catch((error: Error) => error.message);
    expect(await rolledBack).toBe('roll back');
    await outside;
    const ids = (await db.delivery.findMany({ orderBy: { id: 'asc' } })).map((delivery) => delivery.id);
    expect(ids).toEqual(['outside']);
  });
});
