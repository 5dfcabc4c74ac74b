import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { migrate } from '../../src/storage/migrate.js';

// Migrating a database costs the suite ~150 ms on SQLite and more on PostgreSQL, and the suite opens
// hundreds of them. The global setup (test/global-setup.ts) migrates one template per engine, once,
// with the same `migrate()` the server runs; each test database is a copy of it (a file copy, or
// PostgreSQL's CREATE DATABASE … TEMPLATE), so every test still starts from exactly the migrated
// schema, and a change to a migration reaches every test at the next run.

declare module 'vitest' {
  export interface ProvidedContext {
    /** The migrated SQLite template file. */
    sqliteTemplate: string;
    /** The migrated PostgreSQL template database's name, when TEST_POSTGRES_URL is set. */
    postgresTemplate: string | null;
  }
}

export interface TemplateDatabases {
  readonly sqlite: string;
  readonly postgres: string | null;
  drop(): Promise<void>;
}

export async function createTemplates(postgresServerUrl: string | undefined, admin: (serverUrl: string, sql: string) => Promise<void>): Promise<TemplateDatabases> {
  const dir = mkdtempSync(join(tmpdir(), 'keystate-template-'));
  const sqlite = join(dir, 'template.db');
  await migrate(`file:${sqlite}`);
  // A plain rollback journal: the copy is the whole database, with no -wal file beside it.
  const file = new Database(sqlite);
  file.pragma('journal_mode = DELETE');
  file.close();
  let postgres: string | null = null;
  if (postgresServerUrl) {
    postgres = `ks_template_${randomBytes(6).toString('hex')}`;
    await admin(postgresServerUrl, `CREATE DATABASE "${postgres}"`);
    const url = new URL(postgresServerUrl);
    url.pathname = `/${postgres}`;
    await migrate(url.toString());
  }
  return {
    sqlite,
    postgres,
    async drop() {
      rmSync(dir, { recursive: true, force: true });
      if (postgres !== null && postgresServerUrl) await admin(postgresServerUrl, `DROP DATABASE IF EXISTS "${postgres}" WITH (FORCE)`);
    },
  };
}

/** A migrated SQLite database at `path`: a copy of the template. */
export function copySqliteTemplate(template: string, path: string): void {
  copyFileSync(template, path);
}
