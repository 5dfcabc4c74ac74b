/**
 * The one place that constructs a Prisma client. DATABASE_URL picks the engine: `file:` → SQLite
 * (better-sqlite3 driver adapter), `postgres://` / `postgresql://` → PostgreSQL (pg pool). Each
 * provider has its own generated client (one schema has one provider); the code sees either through
 * `Tx`/`Db`, the part of their API both fit (checked by the compiler where each client is made, no
 * assertion). Migrations are applied separately, by `migrate()` in ./migrate.ts.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SqlDriverAdapter, SqlDriverAdapterFactory, Transaction } from '@prisma/driver-adapter-utils';
import type * as Sqlite from './generated/sqlite/client.js';
import { refuseStatementsAfterTransactionEnd } from './closed-transactions.js';
import { committedChanges } from './committed-changes.js';
import { type Provider, providerOf, sqliteFilePath } from './migrate.js';
import { observedStatements, type StatementObserver } from './observed-adapter.js';
import { reusePreparedStatements } from './sqlite-statements.js';

type SqliteTx = Sqlite.Prisma.TransactionClient;

/** A model's methods as both engines' clients type them alike: `aggregate` and `groupBy` type their
 * results per provider, and the symbol-keyed type metadata differs (PostgreSQL's filters accept more). */
type SharedDelegate<D> = Pick<D, Exclude<Extract<keyof D, string>, 'aggregate' | 'groupBy'>>;

/** The client handed to `db.$transaction(async (tx) => …)`: what repositories use of either engine's
 * client (models and raw queries), written from the SQLite client's types. Each engine's own client
 * is assigned to it without an assertion, so the compiler checks that both fit. */
export type Tx = {
  readonly [K in Exclude<keyof SqliteTx, '$transaction' | '$extends'>]: SqliteTx[K] extends { aggregate: unknown } ? SharedDelegate<SqliteTx[K]> : SqliteTx[K];
};

/** What a batch answers: each statement's result, in the order the batch gave them. */
type BatchResults<P extends readonly unknown[]> = { -readonly [K in keyof P]: Awaited<P[K]> };
/** A statement built and not yet sent (Prisma's lazy promise: it runs when awaited or batched). */
export type Statement = Sqlite.Prisma.PrismaPromise<unknown>;

export interface Db extends Tx {
  /** An interactive transaction: `work` runs between BEGIN and COMMIT, reading and writing through `tx`. */
  $transaction<R>(work: (tx: Tx) => Promise<R>, options?: { maxWait?: number; timeout?: number }): Promise<R>;
  /** A batch: statements made beforehand (`db.$executeRaw`…, not awaited) run in one transaction, in
   * order, with no code of ours between them; any one failing rolls all back. */
  $transaction<P extends Sqlite.Prisma.PrismaPromise<unknown>[]>(batch: [...P]): Promise<BatchResults<P>>;
  $disconnect(): Promise<void>;
}

export interface Storage {
  readonly db: Db;
  readonly provider: Provider;
  /** Runs a trivial query (used by /health). */
  ping(): Promise<void>;
  /** Commits a one-row change (readiness: a read-only or full database still answers SELECT 1). */
  probeWrite(): Promise<void>;
  /** Resolves at the next committed change (a write that changed rows): writes work. */
  nextChangeCommitted(): Promise<void>;
  close(): Promise<void>;
}

/** SQLite settings applied to every connection. */
const SQLITE_PRAGMAS = 'PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;';
/** How long SQLite waits for a lock held by another connection/process before SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;

export interface StorageOptions {
  /** Sees every SQL statement before it runs, and where it runs (tests pin each request's statements with it). */
  readonly observe?: StatementObserver;
}

/** The readiness probe's row in the `revision` table (whose other rows are counters others read). */
const PROBE_ROW = 'readiness-probe';

export async function openStorage(databaseUrl: string, options: StorageOptions = {}): Promise<Storage> {
  const changes = committedChanges();
  const observed = options.observe === undefined ? null : observedStatements(options.observe);
  const observe = (factory: SqlDriverAdapterFactory): SqlDriverAdapterFactory => refuseStatementsAfterTransactionEnd(changes.reportFrom(observed === null ? factory : observed.adapter(factory)));
  const provider = providerOf(databaseUrl);
  let db: Db;
  if (provider === 'sqlite') {
    const [{ PrismaClient }, { PrismaBetterSqlite3 }] = await Promise.all([import('./generated/sqlite/client.js'), import('@prisma/adapter-better-sqlite3')]);
    const file = sqliteFilePath(databaseUrl);
    mkdirSync(dirname(file), { recursive: true });
    const factory = new PrismaBetterSqlite3({ url: file, timeout: SQLITE_BUSY_TIMEOUT_MS });
    db = new PrismaClient({ adapter: serializedSqlite(observe(factory)) });
  } else {
    const [{ PrismaClient }, { PrismaPg }] = await Promise.all([import('./generated/postgresql/client.js'), import('@prisma/adapter-pg')]);
    db = new PrismaClient({ adapter: observe(new PrismaPg({ connectionString: databaseUrl })) });
  }
  observed?.client(db);
  const storage: Storage = {
    db,
    provider,
    async ping() {
      await db.$queryRawUnsafe('SELECT 1');
    },
    async probeWrite() {
      // Flips the value, so the statement always changes the row (and so reports a change).
      await db.$executeRawUnsafe(`INSERT INTO revision (name, value) VALUES ('${PROBE_ROW}', 0) ON CONFLICT (name) DO UPDATE SET value = 1 - revision.value`);
    },
    nextChangeCommitted: () => changes.next(),
    async close() {
      await db.$disconnect();
    },
  };
  try {
    await storage.ping();
  } catch (error) {
    await db.$disconnect().catch(() => {});
    throw error;
  }
  return storage;
}

/**
 * The better-sqlite3 adapter runs everything on ONE connection. Its interactive transactions take
 * a mutex, but plain queries do not: a query issued by another request while a transaction is open
 * would run INSIDE that transaction (and vanish if it rolls back; measured with 7.10). This wrapper
 * makes every statement wait for the open transaction to end, so SQLite behaves like a database
 * with serializable transactions. Also applies the pragmas on each new connection, and keeps its
 * statements prepared (sqlite-statements.ts).
 *
 * Consequence: inside `db.$transaction(async (tx) => …)` use `tx`, never `db` — a `db` query there
 * waits for the transaction to end, i.e. until the transaction times out (PostgreSQL would run it
 * on another connection instead).
 */
function serializedSqlite(factory: SqlDriverAdapterFactory): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect(): Promise<SqlDriverAdapter> {
      const adapter = await factory.connect();
      reusePreparedStatements(adapter);
      await adapter.executeScript(SQLITE_PRAGMAS);
      const lock = createLock();
      const exclusive =
        <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
        async (...args: A): Promise<R> => {
          const release = await lock();
          try {
            return await fn(...args);
          } finally {
            release();
          }
        };
      adapter.queryRaw = exclusive(adapter.queryRaw.bind(adapter));
      adapter.executeRaw = exclusive(adapter.executeRaw.bind(adapter));
      adapter.executeScript = exclusive(adapter.executeScript.bind(adapter));
      const startTransaction = adapter.startTransaction.bind(adapter);
      adapter.startTransaction = async (...args): Promise<Transaction> => {
        const release = await lock();
        try {
          const tx = await startTransaction(...args);
          const commit = tx.commit.bind(tx);
          const rollback = tx.rollback.bind(tx);
          tx.commit = () => commit().finally(release);
          tx.rollback = () => rollback().finally(release);
          return tx;
        } catch (error) {
          release();
          throw error;
        }
      };
      return adapter;
    },
  };
}

/** A FIFO async mutex: `const release = await lock(); … release();` (release is idempotent). */
function createLock(): () => Promise<() => void> {
  let tail: Promise<void> = Promise.resolve();
  return async () => {
    const previous = tail;
    let open!: () => void;
    tail = new Promise<void>((resolve) => (open = resolve));
    await previous;
    let released = false;
    return () => {
      if (!released) {
        released = true;
        open();
      }
    };
  };
}
