/**
 * Prisma's schema engine, run as WebAssembly (`@prisma/schema-engine-wasm`) instead of the native
 * binary the Prisma CLI would download (see ./migrate.ts for why). Loads the module once per
 * process and runs engine commands one at a time, cleaning up after each.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { bindMigrationAwareSqlAdapterFactory, type ErrorRegistry, type SqlDriverAdapter, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';
import { fieldOf } from '../fields.js';

/** The part of the global WebAssembly API used here (the project's `lib` has no WebAssembly types). */
const wasmApi = (
  globalThis as unknown as {
    WebAssembly: {
      instantiate(bytes: Uint8Array, imports: Record<string, Record<string, unknown>>): Promise<{ instance: { exports: Record<string, unknown> } }>;
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
      const start = instance.exports.__wbindgen_start;
      if (typeof start === 'function') start();
    })();
    runtime = { bindings, ready, timers, queue: Promise.resolve() };
    registry.set(bindings, runtime);
    ready.catch(() => registry.delete(bindings));
  }
  await runtime.ready;
  return runtime;
}

/**
 * Runs `fn` with a schema engine connected through `factory`, then frees the engine and disposes
 * every connection it opened (including shadow databases). Calls are serialized per process.
 * `datamodels` are [path, content] pairs of Prisma schema files (only needed by some commands).
 */
export async function withSchemaEngine<T>(factory: SqlMigrationAwareDriverAdapterFactory, fn: (engine: SchemaEngine) => Promise<T>, datamodels?: [string, string][]): Promise<T> {
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
    const bound = bindMigrationAwareSqlAdapterFactory(tracked);
    try {
      engine = await runtime.bindings.SchemaEngine.new({ datamodels: datamodels?.length ? datamodels : undefined }, () => {}, bound);
      return await fn(engine);
    } catch (error) {
      throw engineError(error, bound.errorRegistry);
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

function engineError(error: unknown, registry: ErrorRegistry): Error {
  if (!(error instanceof Error)) return new Error(`Schema engine error: ${String(error)}`);
  // A driver error reaches the engine as "External error id#N": the error itself (e.g. SQLite's
  // SQLITE_CANTOPEN on a read-only folder) stays in the registry, and is what the caller needs.
  const id = /External error id#(\d+)/.exec(error.message)?.[1];
  const driverError = id === undefined ? undefined : registry.consumeError(Number(id))?.error;
  if (driverError instanceof Error) return new Error(`Schema engine error: ${driverError.message}`, { cause: driverError });
  const code = fieldOf(error, 'code');
  if (typeof code === 'string' && !error.message.startsWith(code)) {
    return new Error(`Schema engine error ${code}: ${error.message}`, { cause: error });
  }
  return error;
}
