/**
 * Which migrations a database already has, read from `_prisma_migrations` with one plain statement
 * (no schema engine), and whether that covers every migration of ours. A start on an up-to-date
 * database then never runs the schema engine, whose SQLite connector wants the file to itself: with
 * a server already running on the file (a second instance, `keys rotate`, an overlapping restart)
 * the engine could only wait, then fail.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { MigrationList } from '@prisma/schema-engine-wasm';
import { providerOf, sqliteFilePath } from './database-url.js';

/** Name → checksum of every migration recorded as finished and not rolled back. */
export type RecordedMigrations = ReadonlyMap<string, string>;

const RECORDED_SQL = 'SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL';

/** The migrations recorded in the database, or null when it has none yet (no file, no table). */
export async function recordedMigrations(databaseUrl: string, busyTimeoutMs: number): Promise<RecordedMigrations | null> {
  return providerOf(databaseUrl) === 'sqlite' ? recordedInSqlite(sqliteFilePath(databaseUrl), busyTimeoutMs) : recordedInPostgres(databaseUrl);
}

/** True when every migration of the list is recorded with the checksum of its file as it is now
 * (`prisma migrate` records the SHA-256 of migration.sql): nothing for the schema engine to do. */
export function everyMigrationRecorded(list: MigrationList, recorded: RecordedMigrations): boolean {
  return list.migrationDirectories.every((entry) => {
    const content = entry.migrationFile.content;
    return content.tag === 'ok' && recorded.get(entry.path) === createHash('sha256').update(content.value).digest('hex');
  });
}

async function recordedInSqlite(file: string, busyTimeoutMs: number): Promise<RecordedMigrations | null> {
  if (!existsSync(file)) return null;
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(file, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'").get();
    if (table === undefined) return null;
    const rows = db.prepare<[], { migration_name: string; checksum: string }>(RECORDED_SQL).all();
    return new Map(rows.map((row) => [row.migration_name, row.checksum]));
  } finally {
    db.close();
  }
}

async function recordedInPostgres(databaseUrl: string): Promise<RecordedMigrations | null> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const exists = await client.query<{ found: string | null }>("SELECT to_regclass('_prisma_migrations')::text AS found");
    if (exists.rows[0]?.found == null) return null;
    const result = await client.query<{ migration_name: string; checksum: string }>(RECORDED_SQL);
    return new Map(result.rows.map((row) => [row.migration_name, row.checksum]));
  } finally {
    await client.end();
  }
}
