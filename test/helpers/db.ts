/**
 * A fresh, migrated database per caller, on the engine of the current test project
 * (KEYSTATE_TEST_ENGINE: 'sqlite' by default, or 'postgresql' with TEST_POSTGRES_URL, a URL of a
 * role that may CREATE DATABASE). Migrations are applied by `migrate()`, exactly as the server does.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { migrate } from '../../src/storage/migrate.js';
import { admin } from './pg-admin.js';
import { copySqliteTemplate } from './template-databases.js';
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
    if (migrated) copySqliteTemplate(inject('sqliteTemplate'), join(dir, 'keystate.db'));
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
  const template = inject('postgresTemplate');
  // A copy of the migrated template (test/helpers/template-databases.ts), or an empty database.
  await admin(serverUrl, migrated && template !== null ? `CREATE DATABASE "${name}" TEMPLATE "${template}"` : `CREATE DATABASE "${name}"`);
  const remove = () => admin(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  let storage: Storage;
  try {
    if (migrated && template === null) await migrate(url.toString());
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

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
