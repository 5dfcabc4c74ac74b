import type { SqlDriverAdapter } from '@prisma/driver-adapter-utils';
import { oldestKey } from '../fields.js';

// Prisma's better-sqlite3 adapter prepares every statement on every call (`client.prepare(sql)
// .bind(args)`), and SQLite's prepare is most of a simple query's cost (measured: `prepare` was the
// largest single frame of the silent-authentication profile). The server sends a small, fixed set
// of SQL texts, so each is prepared once and reused: the adapter's connection gets a `prepare` that
// returns the cached statement behind a view whose `bind(args)` passes the arguments per call
// (better-sqlite3 allows `bind` once per statement; `run(args)` and `all(args)` take them each time).
// Safe because the adapter runs each statement to completion synchronously on one connection.

/** The methods of a better-sqlite3 statement the adapter uses. */
interface Statement {
  readonly reader: boolean;
  columns(): unknown[];
  run(...args: unknown[]): unknown;
  all(...args: unknown[]): unknown[];
  raw(toggle?: boolean): Statement;
}

interface Connection {
  prepare(sql: string): Statement;
}

/** Distinct SQL texts kept prepared; past it the one prepared first is finalized by GC. */
const MAX_STATEMENTS = 1000;

/** What the adapter gets from `prepare(sql)`: the cached statement, bound per call. Its columns
 * (names and declared types, which the adapter asks for before every read) are read once: they are
 * fixed for a statement text, the schema being migrated before the server prepares any. */
function reusable(statement: Statement): Statement & { bind(args: unknown[]): Statement } {
  let columns: unknown[] | undefined;
  const columnsOnce = () => (columns ??= statement.columns());
  const bound = (args: unknown[]): Statement => ({
    reader: statement.reader,
    columns: columnsOnce,
    run: () => statement.run(args),
    all: () => statement.all(args),
    // The adapter reads rows as arrays; raw mode is a statement's setting, so it is set each time.
    raw: (toggle = true) => {
      statement.raw(toggle);
      return bound(args);
    },
  });
  return {
    reader: statement.reader,
    columns: columnsOnce,
    run: (...args) => statement.run(...args),
    all: (...args) => statement.all(...args),
    raw: (toggle = true) => statement.raw(toggle),
    bind: (args) => bound(args),
  };
}

/** What can be checked of a better-sqlite3 database: it prepares statements. */
function isConnection(value: unknown): value is Connection {
  return typeof value === 'object' && value !== null && 'prepare' in value && typeof value.prepare === 'function';
}

/** Makes the adapter's connection reuse prepared statements; a no-op for an adapter of another shape. */
export function reusePreparedStatements(adapter: SqlDriverAdapter): void {
  // The better-sqlite3 database is the adapter's `client`, a member its type does not declare.
  const connection = 'client' in adapter ? adapter.client : undefined;
  if (!isConnection(connection)) return;
  const prepare = connection.prepare.bind(connection);
  const cache = new Map<string, ReturnType<typeof reusable>>();
  connection.prepare = (sql: string) => {
    let statement = cache.get(sql);
    if (statement === undefined) {
      statement = reusable(prepare(sql));
      if (cache.size >= MAX_STATEMENTS) cache.delete(oldestKey(cache) ?? '');
      cache.set(sql, statement);
    }
    return statement;
  };
}
