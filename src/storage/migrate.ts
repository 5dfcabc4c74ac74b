/**
 * Schema migrations without Prisma's native schema engine.
 *
 * The Prisma 7 CLI (`prisma migrate deploy`) would download a native `schema-engine` binary from
 * Prisma's binary host, which is not reachable everywhere this server runs. The same engine is
 * published on npm as WebAssembly (`@prisma/schema-engine-wasm`); driven through a driver adapter
 * it applies `prisma/migrations/<provider>/*` and records them in `_prisma_migrations` exactly as
 * `prisma migrate deploy` does, so both tools see the same history.
 *
 * `migrate()` runs at server start (and in tests, through test/helpers/db.ts). The lower-level
 * helpers (./database-url.ts, ./migration-files.ts, ./schema-engine.ts, ./migration-adapter.ts)
 * are re-exported here; scripts/create-migration.ts uses them too.
 */
import { mkdirSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { providerOf, sqliteFilePath } from './database-url.js';
import { LOCK_TIMEOUT_MS, migrationAdapterFactory } from './migration-adapter.js';
import { migrationsDir, projectRoot, readMigrations } from './migration-files.js';
import { everyMigrationRecorded, recordedMigrations } from './recorded-migrations.js';
import { withSchemaEngine } from './schema-engine.js';
import { StorageStartError, storageStartError } from './start-failure.js';

// Re-exported so importers (the server, the scripts, the tests) need one module for all of it.
export { type Provider, providerOf, sqliteFilePath } from './database-url.js';
export { migrationAdapterFactory } from './migration-adapter.js';
export { migrationsDir, projectRoot, readMigrations } from './migration-files.js';
export { withSchemaEngine } from './schema-engine.js';

export interface MigrateOptions {
  /** Receives one human-readable line per event (default: silent). */
  log?: (line: string) => void;
  /** Apply the migrations up to and including this one only (tests of data migrations). */
  until?: string;
  /** SQLite: how long to wait for another process's lock before saying the file is locked. */
  lockTimeoutMs?: number;
}

/**
 * Applies the unapplied migrations of `prisma/migrations/<provider>/` to the database, exactly as
 * `prisma migrate deploy` would (recorded in `_prisma_migrations`). Idempotent. For a `file:` URL
 * the database file and its folder are created when missing.
 */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<{ applied: string[] }> {
  const provider = providerOf(databaseUrl);
  const log = options.log ?? (() => {});
  if (provider === 'sqlite') mkdirSync(dirname(sqliteFilePath(databaseUrl)), { recursive: true });
  const dir = migrationsDir(provider);
  const all = readMigrations(dir);
  const migrationsList = options.until === undefined ? all : { ...all, migrationDirectories: all.migrationDirectories.filter((entry) => entry.path <= (options.until ?? '')) };
  if (migrationsList.migrationDirectories.length === 0) throw new Error(`No migrations found in ${dir}`);
  const started = performance.now();
  const where = relative(projectRoot(), dir);
  const lockTimeoutMs = options.lockTimeoutMs ?? LOCK_TIMEOUT_MS;
  // Up to date (every start but the first after an upgrade): one plain read, no schema engine.
  const recorded = await recordedMigrations(databaseUrl, lockTimeoutMs);
  if (recorded !== null && everyMigrationRecorded(migrationsList, recorded)) {
    log(`database schema is up to date (${migrationsList.migrationDirectories.length} migration(s) in ${where})`);
    return { applied: [] };
  }
  const { appliedMigrationNames } = await withSchemaEngine(await migrationAdapterFactory(databaseUrl, lockTimeoutMs), (engine) =>
    engine.applyMigrations({ migrationsList, filters: { externalTables: [], externalEnums: [] } }),
  ).catch((error: Error) => {
    // One line naming the file, never the engine's WebAssembly stack.
    const plain = storageStartError(error, databaseUrl, true);
    throw new StorageStartError(`Applying the migrations in ${where} failed: ${plain.message}`, { cause: error });
  });
  const ms = Math.round(performance.now() - started);
  if (appliedMigrationNames.length === 0) {
    log(`database schema is up to date (${migrationsList.migrationDirectories.length} migration(s) in ${where})`);
  } else {
    for (const name of appliedMigrationNames) log(`applied migration ${where}/${name}`);
    log(`applied ${appliedMigrationNames.length} migration(s) in ${ms} ms`);
  }
  return { applied: appliedMigrationNames };
}
