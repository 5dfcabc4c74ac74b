/**
 * The driver adapter through which the schema engine (./schema-engine.ts) reaches the database of
 * a DATABASE_URL: better-sqlite3 for `file:` URLs, pg for PostgreSQL (with a fix for pg's `"char"`).
 */
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { providerOf, sqliteFilePath } from './database-url.js';

/** How long a migration waits for another process's lock: long enough for another process's write
 * to end; a process that keeps the file open (a running server) makes the schema engine wait for
 * ever, so it is not waited out. */
export const LOCK_TIMEOUT_MS = 10_000;

/** The driver adapter factory the schema engine uses for a database URL (SQLite: waiting up to
 * `busyTimeoutMs` for another connection's lock). */
export async function migrationAdapterFactory(databaseUrl: string, busyTimeoutMs = LOCK_TIMEOUT_MS): Promise<SqlMigrationAwareDriverAdapterFactory> {
  if (providerOf(databaseUrl) === 'sqlite') {
    const { PrismaBetterSqlite3 } = await import('@prisma/adapter-better-sqlite3');
    return new PrismaBetterSqlite3({ url: sqliteFilePath(databaseUrl), timeout: busyTimeoutMs });
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
  // Neither method is in the adapter's declared type: each is looked up, checked and replaced by name.
  const performIO: unknown = Reflect.get(queryable, 'performIO');
  if (typeof performIO === 'function') {
    Reflect.set(queryable, 'performIO', async (query: unknown) => {
      const result: unknown = await performIO.call(queryable, query);
      for (const field of fieldsOf(result)) if (field.dataTypeID === 18) field.dataTypeID = 25;
      return result;
    });
  }
  const startTransaction: unknown = Reflect.get(queryable, 'startTransaction');
  if (typeof startTransaction === 'function') {
    Reflect.set(queryable, 'startTransaction', async (...args: unknown[]) => {
      const transaction: unknown = await startTransaction.apply(queryable, args);
      return typeof transaction === 'object' && transaction !== null ? readCharAsText(transaction) : transaction;
    });
  }
  return queryable;
}

/** The column descriptions of a pg result (`fields`), none when it has no such list. */
function fieldsOf(result: unknown): { dataTypeID: unknown }[] {
  if (typeof result !== 'object' || result === null || !('fields' in result) || !Array.isArray(result.fields)) return [];
  return result.fields.filter((field: unknown): field is { dataTypeID: unknown } => typeof field === 'object' && field !== null && 'dataTypeID' in field);
}
