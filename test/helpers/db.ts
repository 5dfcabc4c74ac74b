/**
 * A fresh, migrated database per caller, on the engine of the current test project
 * (KEYSTATE_TEST_ENGINE: 'sqlite' by default, or 'postgresql' with TEST_POSTGRES_URL, a URL of a
 * role that may CREATE DATABASE). Migrations are applied by `migrate()`, exactly as the server does.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../src/storage/migrate.js';
import { openStorage, type Storage } from '../../src/storage/prisma.js';

export interface TestDatabase {
  url: string;
  storage: Storage;
  /** Closes the storage and deletes the database (idempotent). */
  drop(): Promise<void>;
}

export function testEngine(): 'sqlite' | 'postgresql' {
  const engine = process.env.KEYSTATE_TEST_ENGINE ?? 'sqlite';
  if (engine !== 'sqlite' && engine !== 'postgresql') {
    throw new Error(`KEYSTATE_TEST_ENGINE must be "sqlite" or "postgresql", got "${engine}"`);
  }
  return engine;
}

/** `migrated: false` leaves the database empty (for tests of the server's own start-up migration). */
export async function freshDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const migrated = options.migrated ?? true;
  return testEngine() === 'sqlite' ? freshSqlite(migrated) : freshPostgres(migrated);
}

async function freshSqlite(migrated: boolean): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'keystate-test-'));
  const url = `file:${join(dir, 'keystate.db')}`;
  const remove = () => rmSync(dir, { recursive: true, force: true });
  let storage: Storage;
  try {
    if (migrated) await migrate(url);
    storage = await openStorage(url);
  } catch (error) {
    remove();
    throw error;
  }
  return {
    url,
    storage,
    drop: once(async () => {
      await storage.close();
      remove();
    }),
  };
}

async function freshPostgres(migrated: boolean): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_POSTGRES_URL;
  if (!serverUrl) {
    throw new Error('KEYSTATE_TEST_ENGINE=postgresql needs TEST_POSTGRES_URL (a postgres:// URL of a role that may CREATE DATABASE)');
  }
  const name = `ks_${randomBytes(8).toString('hex')}`;
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await admin(serverUrl, `CREATE DATABASE "${name}"`);
  const remove = () => admin(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  let storage: Storage;
  try {
    if (migrated) await migrate(url.toString());
    storage = await openStorage(url.toString());
  } catch (error) {
    await remove().catch(() => {});
    throw error;
  }
  return {
    url: url.toString(),
    storage,
    drop: once(async () => {
      await storage.close();
      await remove();
    }),
  };
}

/** Runs one statement on its own connection (CREATE/DROP DATABASE, ALTER SYSTEM…). */
export async function admin(serverUrl: string, sql: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
