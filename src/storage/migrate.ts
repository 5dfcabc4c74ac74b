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
 * helpers are also used by scripts/create-migration.ts.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';

export type Provider = 'sqlite' | 'postgresql';

export interface MigrateOptions {
  /** Receives one human-readable line per event (default: silent). */
  log?: (line: string) => void;
  /** Apply the migrations up to and including this one only (tests of data migrations). */
  until?: string;
}

/** The database engine a DATABASE_URL points at. */
export function providerOf(databaseUrl: string): Provider {
  if (/^file:/i.test(databaseUrl)) return 'sqlite';
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) return 'postgresql';
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(databaseUrl)?.[1];
  throw new Error(
    `DATABASE_URL must be a SQLite URL (file:<path>, e.g. file:./data/keystate.db) or a PostgreSQL URL ` +
      `(postgres://user:password@host:5432/database or postgresql://…); got ${
        scheme ? `a URL with scheme "${scheme}:"` : databaseUrl === '' ? 'an empty string' : 'a value that is not a URL'
      }`,
  );
}

/**
 * The absolute path of the database file of a `file:` URL. Relative paths are relative to
 * process.cwd(); a query string (`?…`) is ignored; `file:///abs/path` URLs are accepted.
 */
export function sqliteFilePath(databaseUrl: string): string {
  let path = databaseUrl.replace(/^file:/i, '');
  const query = path.indexOf('?');
  if (query >= 0) path = path.slice(0, query);
  if (path.startsWith('//')) return fileURLToPath(`file:${path}`);
  if (path === '') throw new Error('DATABASE_URL: a file: URL needs a path, e.g. file:./data/keystate.db');
  return resolve(process.cwd(), path);
}

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
          content = { tag: 'error', value: (error as Error).message };
        }
        return { path: name, migrationFile: { path: 'migration.sql', content } };
      }),
  };
}

/** The part of the global WebAssembly API used here (the project's `lib` has no WebAssembly types). */
const wasmApi = (
  globalThis as unknown as {
    WebAssembly: {
      instantiate(
        bytes: Uint8Array,
        imports: Record<string, Record<string, unknown>>,
      ): Promise<{ instance: { exports: Record<string, unknown> } }>;
    };
  }
).WebAssembly;

type WasmBindings = typeof import('@prisma/schema-engine-wasm/schema_engine_bg');

interface WasmRuntime {
  bindings: WasmBindings;
  ready: Promise<void>;
  /** Timers the engine started and never cancels (e.g. a 10 s lock timeout on PostgreSQL). */
  timers: Set<NodeJS.Timeout>;
  /** Engine calls run one at a time per instance. */
  queue: Promise<unknown>;
}

/**
 * Instantiates the schema engine's WebAssembly module once per copy of its JS glue. The glue
 * keeps the instance in module state (and caches views of its memory), so the instance is kept on
 * globalThis keyed by the glue module: a test runner that re-evaluates this file per test file
 * while sharing node_modules then reuses the instance instead of swapping it under live views.
 */
async function schemaEngineRuntime(): Promise<WasmRuntime> {
  const bindings = await import('@prisma/schema-engine-wasm/schema_engine_bg');
  const key = Symbol.for('keystate.schemaEngineWasm');
  const store = globalThis as { [key]?: WeakMap<object, WasmRuntime> };
  const registry = store[key] ?? new WeakMap<object, WasmRuntime>();
  store[key] = registry;
  let runtime = registry.get(bindings);
  if (runtime === undefined) {
    const timers = new Set<NodeJS.Timeout>();
    const imports: Record<string, unknown> = { ...bindings };
    for (const name of Object.keys(imports).filter((n) => n.startsWith('__wbg_setTimeout_'))) {
      // The engine never clears its timers: track them so they can be cancelled once the engine is
      // freed (otherwise they keep the process alive, then call closures the engine has dropped).
      imports[name] = (callback: () => void, ms: number) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          callback();
        }, ms >>> 0);
        timers.add(timer);
        return timer;
      };
    }
    const ready = (async () => {
      const glue = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg');
      const bytes = await readFile(join(dirname(glue), 'schema_engine_bg.wasm'));
      const { instance } = await wasmApi.instantiate(bytes, { './schema_engine_bg.js': imports });
      bindings.__wbg_set_wasm(instance.exports);
      (instance.exports.__wbindgen_start as () => void)();
    })();
    runtime = { bindings, ready, timers, queue: Promise.resolve() };
    registry.set(bindings, runtime);
    ready.catch(() => registry.delete(bindings));
  }
  await runtime.ready;
  return runtime;
}

/** The driver adapter factory the schema engine uses for a database URL. */
export async function migrationAdapterFactory(databaseUrl: string): Promise<SqlMigrationAwareDriverAdapterFactory> {
  if (providerOf(databaseUrl) === 'sqlite') {
    const { PrismaBetterSqlite3 } = await import('@prisma/adapter-better-sqlite3');
    return new PrismaBetterSqlite3({ url: sqliteFilePath(databaseUrl), timeout: 10_000 });
  }
  const { PrismaPg } = await import('@prisma/adapter-pg');
  const factory = new PrismaPg({ connectionString: databaseUrl, max: 2 });
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => readCharAsText(await factory.connect()),
    connectToShadowDb: async () => readCharAsText(await factory.connectToShadowDb()),
  };
}

/**
 * @prisma/adapter-pg 7.10 rejects result columns of PostgreSQL's internal one-byte `"char"` type
 * (OID 18), which the schema engine's catalog queries return (e.g. pg_constraint.contype), so
 * describing a live PostgreSQL schema fails with "Column type 'char' could not be deserialized".
 * pg already returns those values as strings: report the column as text (OID 25) instead.
 * Applies to the schema engine's connections only; the Prisma client never reads such columns.
 */
function readCharAsText<T extends object>(queryable: T): T {
  type Fields = { fields?: { dataTypeID: number }[] };
  const target = queryable as T & { performIO?: (query: unknown) => Promise<Fields> };
  const performIO = target.performIO;
  if (typeof performIO === 'function') {
    target.performIO = async (query) => {
      const result = await performIO.call(queryable, query);
      for (const field of result.fields ?? []) if (field.dataTypeID === 18) field.dataTypeID = 25;
      return result;
    };
  }
  const withTx = queryable as T & { startTransaction?: (...args: unknown[]) => Promise<object> };
  const startTransaction = withTx.startTransaction;
  if (typeof startTransaction === 'function') {
    withTx.startTransaction = async (...args) => readCharAsText(await startTransaction.apply(queryable, args));
  }
  return queryable;
}

/**
 * Runs `fn` with a schema engine connected through `factory`, then frees the engine and disposes
 * every connection it opened (including shadow databases). Calls are serialized per process.
 * `datamodels` are [path, content] pairs of Prisma schema files (only needed by some commands).
 */
export async function withSchemaEngine<T>(
  factory: SqlMigrationAwareDriverAdapterFactory,
  fn: (engine: SchemaEngine) => Promise<T>,
  datamodels?: [string, string][],
): Promise<T> {
  const runtime = await schemaEngineRuntime();
  const run = runtime.queue.then(async () => {
    const opened: SqlDriverAdapter[] = [];
    const track = async (connect: () => Promise<SqlDriverAdapter>) => {
      const adapter = await connect();
      const dispose = adapter.dispose.bind(adapter);
      let disposed: Promise<void> | undefined;
      adapter.dispose = () => (disposed ??= dispose());
      opened.push(adapter);
      return adapter;
    };
    const tracked: SqlMigrationAwareDriverAdapterFactory = {
      provider: factory.provider,
      adapterName: factory.adapterName,
      connect: () => track(() => factory.connect()),
      connectToShadowDb: () => track(() => factory.connectToShadowDb()),
    };
    let engine: SchemaEngine | undefined;
    try {
      engine = await runtime.bindings.SchemaEngine.new(
        { datamodels: datamodels?.length ? datamodels : undefined },
        () => {},
        bindMigrationAwareSqlAdapterFactory(tracked),
      );
      return await fn(engine);
    } catch (error) {
      throw engineError(error);
    } finally {
      engine?.free();
      for (const timer of runtime.timers) clearTimeout(timer);
      runtime.timers.clear();
      await Promise.allSettled(opened.map((adapter) => adapter.dispose()));
    }
  });
  runtime.queue = run.catch(() => {});
  return run;
}

function engineError(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(`Schema engine error: ${String(error)}`);
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code === 'string' && !error.message.startsWith(code)) {
    return new Error(`Schema engine error ${code}: ${error.message}`, { cause: error });
  }
  return error;
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
  const { appliedMigrationNames } = await withSchemaEngine(await migrationAdapterFactory(databaseUrl), (engine) =>
    engine.applyMigrations({ migrationsList, filters: { externalTables: [], externalEnums: [] } }),
  ).catch((error: Error) => {
    throw new Error(`Applying the migrations in ${where} failed: ${error.message}`, { cause: error });
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
