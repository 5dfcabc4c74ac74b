/**
 * `npm run db:migration -- <name> [--sqlite-only]`
 *
 * Writes the next migration of BOTH providers, prisma/migrations/<provider>/<timestamp>_<name>/,
 * from the difference between what the existing migrations produce and prisma/schema.prisma.
 * Works without Prisma's native schema engine (through the WebAssembly one, see
 * src/storage/migrate.ts): the existing migrations are replayed into a temporary database, which
 * is then diffed against the schema. Writes nothing when nothing changed.
 *
 * SQLite uses a temporary file. PostgreSQL needs a server: SHADOW_DATABASE_URL is a postgres URL
 * of a role that may create databases; a temporary database is created there and dropped after.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';
import { migrationAdapterFactory, migrationsDir, projectRoot, readMigrations, withSchemaEngine, type Provider } from '../src/storage/migrate.js';

const filters = { externalTables: [], externalEnums: [] };

function usage(message: string): never {
  console.error(`${message}\nusage: npm run db:migration -- <name> [--sqlite-only]`);
  process.exit(2);
}

const args = process.argv.slice(2);
const sqliteOnly = args.includes('--sqlite-only');
const [rawName, ...extra] = args.filter((arg) => !arg.startsWith('--'));
if (rawName === undefined || extra.length > 0) usage('expected exactly one migration name');
const name = rawName
  .trim()
  .replace(/[^A-Za-z0-9_]+/g, '_')
  .replace(/^_+|_+$/g, '')
  .slice(0, 100);
if (name === '') usage('the migration name needs letters or digits');

const shadowUrl = process.env.SHADOW_DATABASE_URL;
if (!sqliteOnly && !shadowUrl) {
  console.error(
    'SHADOW_DATABASE_URL is not set: the PostgreSQL migration needs a PostgreSQL server where a temporary\n' +
      'database may be created and dropped (e.g. SHADOW_DATABASE_URL=postgres://keystate:keystate@127.0.0.1:5432/postgres).\n' +
      'Set it, or pass --sqlite-only to write only the SQLite migration. Nothing was written.',
  );
  process.exit(1);
}
if (shadowUrl && !/^postgres(ql)?:\/\//.test(shadowUrl)) usage('SHADOW_DATABASE_URL must be a postgres:// URL');

const root = projectRoot();

// Keep prisma/postgresql/schema.prisma (and the generated clients) in step with prisma/schema.prisma.
const generate = spawnSync(process.execPath, [join(root, 'scripts', 'generate-clients.mjs')], {
  cwd: root,
  stdio: 'inherit',
});
if (generate.status !== 0) process.exit(generate.status ?? 1);

const schemaPath: Record<Provider, string> = {
  sqlite: join(root, 'prisma', 'schema.prisma'),
  postgresql: join(root, 'prisma', 'postgresql', 'schema.prisma'),
};

/** Replays the provider's migrations into the (empty) database at `url`, then diffs it against the schema. */
async function nextMigration(provider: Provider, url: string): Promise<string | null> {
  const migrationsList = readMigrations(migrationsDir(provider));
  const path = schemaPath[provider];
  const content = readFileSync(path, 'utf8');
  const files = [{ path, content }];
  const { exitCode, stdout } = await withSchemaEngine(
    await migrationAdapterFactory(url),
    async (engine: SchemaEngine) => {
      if (migrationsList.migrationDirectories.length > 0) await engine.applyMigrations({ migrationsList, filters });
      return engine.diff({
        from: migrationsList.migrationDirectories.length > 0 ? { tag: 'schemaDatasource', files, configDir: root } : { tag: 'empty' },
        to: { tag: 'schemaDatamodel', files },
        script: true,
        exitCode: true,
        filters,
      });
    },
    [[path, content]],
  );
  return exitCode === 2 && stdout ? stdout : null;
}

async function sqliteMigration(): Promise<string | null> {
  const dir = mkdtempSync(join(tmpdir(), 'keystate-migration-'));
  try {
    return await nextMigration('sqlite', `file:${join(dir, 'replay.db')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgresMigration(adminUrl: string): Promise<string | null> {
  const { default: pg } = await import('pg');
  const database = `keystate_shadow_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${database}"`);
    try {
      const url = new URL(adminUrl);
      url.pathname = `/${database}`;
      return await nextMigration('postgresql', url.toString());
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

const scripts: Partial<Record<Provider, string | null>> = { sqlite: await sqliteMigration() };
if (shadowUrl && !sqliteOnly) scripts.postgresql = await postgresMigration(shadowUrl);
else console.log('PostgreSQL: skipped (--sqlite-only)');

const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
let written = 0;
for (const [provider, script] of Object.entries(scripts) as [Provider, string | null][]) {
  if (script === null) {
    console.log(`${provider}: no change, nothing written`);
    continue;
  }
  const dir = migrationsDir(provider);
  const target = join(dir, `${stamp}_${name}`);
  if (existsSync(target)) throw new Error(`${relative(root, target)} already exists`);
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, 'migration.sql'), script);
  const lock = join(dir, 'migration_lock.toml');
  if (!existsSync(lock)) {
    writeFileSync(lock, `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${provider}"\n`);
  }
  written++;
  console.log(`${provider}: wrote ${relative(root, join(target, 'migration.sql'))}\n`);
  console.log(script.replace(/^/gm, '    '));
}
if (written > 0) console.log('Review the SQL above, then commit it; the server applies it at its next start.');
