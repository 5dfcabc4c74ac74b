/**
 * Where the migrations live (`prisma/migrations/<provider>/` under the project root) and how they
 * are read into the list the schema engine takes, the way the Prisma CLI reads them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationList } from '@prisma/schema-engine-wasm';
import type { Provider } from './database-url.js';

let root: string | undefined;

/**
 * The project root: the nearest folder above this module holding both package.json and
 * prisma/migrations (this module runs from src/storage via tsx/vitest and from dist/src/storage).
 */
export function projectRoot(): string {
  if (root !== undefined) return root;
  const here = fileURLToPath(import.meta.url);
  for (let dir = dirname(here); ; ) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'prisma', 'migrations'))) {
      root = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Cannot find the project root (package.json + prisma/migrations) above ${here}`);
    dir = parent;
  }
}

/** `prisma/migrations/<provider>` under the project root. */
export function migrationsDir(provider: Provider): string {
  return join(projectRoot(), 'prisma', 'migrations', provider);
}

/** Reads a migrations folder the way the Prisma CLI does (sorted `<name>/migration.sql` + lock file). */
export function readMigrations(dir: string): MigrationList {
  const lockPath = join(dir, 'migration_lock.toml');
  const entries = existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : [];
  return {
    baseDir: dir,
    lockfile: { path: 'migration_lock.toml', content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: entries
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort((a, b) => a.localeCompare(b))
      .map((name) => {
        let content: { tag: 'ok'; value: string } | { tag: 'error'; value: string };
        try {
          content = { tag: 'ok', value: readFileSync(join(dir, name, 'migration.sql'), 'utf8') };
        } catch (error) {
          content = { tag: 'error', value: error instanceof Error ? error.message : String(error) };
        }
        return { path: name, migrationFile: { path: 'migration.sql', content } };
      }),
  };
}
