import { AsyncLocalStorage } from 'node:async_hooks';
import type { SqlDriverAdapterFactory, SqlQueryable } from '@prisma/driver-adapter-utils';
import { wrappedAdapterFactory } from './wrapped-adapter.js';

// Reports every SQL statement the driver adapter runs (inside transactions too) to `observe`,
// before it runs, with where it runs: alone, in an interactive transaction or in a batch. Tests
// use it to pin the statements a request costs and the shape of its transactions. BEGIN is not a
// statement of the adapter (it is not seen); COMMIT and ROLLBACK are (Prisma sends them).
//
// The adapter cannot tell the two kinds of transaction apart: Prisma starts both the same way. The
// client can: `$transaction` is wrapped so that whatever starts under it knows which form was
// called, and the adapter's transaction takes that kind when it starts.

/** How a transaction was opened: `db.$transaction(async (tx) => …)`, our code running between its
 * statements; or a batch, `db.$transaction([…])` (or one Prisma opens for an operation of its own),
 * whose statements were all made before it started. */
type TransactionKind = 'interactive' | 'batch';

export interface StatementScope {
  /** 'alone': outside any transaction. */
  readonly kind: TransactionKind | 'alone';
  /** The transaction it runs in, numbered as they start (per storage); null when alone. */
  readonly transaction: number | null;
}

export type StatementObserver = (sql: string, scope: StatementScope) => void;

const ALONE: StatementScope = { kind: 'alone', transaction: null };

function observeQueryable<T extends SqlQueryable>(target: T, observe: StatementObserver, scope: StatementScope): T {
  // Replaced through the interface's view of the object: every method it declares is wrapped.
  const queryable: SqlQueryable = target;
  const queryRaw = queryable.queryRaw.bind(queryable);
  const executeRaw = queryable.executeRaw.bind(queryable);
  queryable.queryRaw = (query) => {
    observe(query.sql, scope);
    return queryRaw(query);
  };
  queryable.executeRaw = (query) => {
    observe(query.sql, scope);
    return executeRaw(query);
  };
  return target;
}

export interface ObservedStatements {
  /** Wraps the driver adapter factory: every statement is reported. */
  readonly adapter: (factory: SqlDriverAdapterFactory) => SqlDriverAdapterFactory;
  /** Wraps the client's `$transaction`, so each transaction's statements report its kind. */
  readonly client: (client: { $transaction: (...args: never[]) => unknown }) => void;
}

export function observedStatements(observe: StatementObserver): ObservedStatements {
  const opening = new AsyncLocalStorage<TransactionKind>();
  let started = 0;
  return {
    adapter: (factory) =>
      wrappedAdapterFactory(factory, {
        connection: (adapter) => observeQueryable(adapter, observe, ALONE),
        // A transaction no `$transaction` call opened is one Prisma opened for one operation: its
        // statements, too, were all made before it started.
        transaction: (tx) => observeQueryable(tx, observe, { kind: opening.getStore() ?? 'batch', transaction: ++started }),
      }),
    client(client) {
      const transaction = client.$transaction;
      // Prisma starts the transaction within the call (before its promise settles), so the kind is
      // in scope when the adapter's startTransaction runs.
      client.$transaction = (...args: unknown[]) => opening.run(typeof args[0] === 'function' ? 'interactive' : 'batch', () => Reflect.apply(transaction, client, args));
    },
  };
}
