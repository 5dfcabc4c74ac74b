import type { SqlDriverAdapterFactory, SqlQueryable } from '@prisma/driver-adapter-utils';
import { wrappedAdapterFactory } from './wrapped-adapter.js';

// Reports every SQL statement the driver adapter runs (inside transactions too) to `observe`,
// before it runs. Tests use it to count the statements a request costs; BEGIN/COMMIT are not
// statements of the adapter, so they are not counted.

export type StatementObserver = (sql: string) => void;

function observeQueryable<T extends SqlQueryable>(target: T, observe: StatementObserver): T {
  // Replaced through the interface's view of the object: every method it declares is wrapped.
  const queryable: SqlQueryable = target;
  const queryRaw = queryable.queryRaw.bind(queryable);
  const executeRaw = queryable.executeRaw.bind(queryable);
  queryable.queryRaw = (query) => {
    observe(query.sql);
    return queryRaw(query);
  };
  queryable.executeRaw = (query) => {
    observe(query.sql);
    return executeRaw(query);
  };
  return target;
}

export function observedAdapter(factory: SqlDriverAdapterFactory, observe: StatementObserver): SqlDriverAdapterFactory {
  return wrappedAdapterFactory(factory, { connection: (adapter) => observeQueryable(adapter, observe), transaction: (tx) => observeQueryable(tx, observe) });
}
