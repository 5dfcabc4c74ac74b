import type { SqlDriverAdapterFactory, SqlQuery } from '@prisma/driver-adapter-utils';
import { wrappedAdapterFactory } from './wrapped-adapter.js';

// Reports every SQL statement the driver adapter runs (inside transactions too) to `observe`,
// before it runs. Tests use it to count the statements a request costs; BEGIN/COMMIT are not
// statements of the adapter, so they are not counted.

export type StatementObserver = (sql: string) => void;

function observeQueryable<T extends { queryRaw(q: SqlQuery): Promise<unknown>; executeRaw(q: SqlQuery): Promise<number> }>(target: T, observe: StatementObserver): T {
  const queryRaw = target.queryRaw.bind(target);
  const executeRaw = target.executeRaw.bind(target);
  target.queryRaw = ((query: SqlQuery) => {
    observe(query.sql);
    return queryRaw(query);
  }) as T['queryRaw'];
  target.executeRaw = (query: SqlQuery) => {
    observe(query.sql);
    return executeRaw(query);
  };
  return target;
}

export function observedAdapter(factory: SqlDriverAdapterFactory, observe: StatementObserver): SqlDriverAdapterFactory {
  return wrappedAdapterFactory(factory, { connection: (adapter) => observeQueryable(adapter, observe), transaction: (tx) => observeQueryable(tx, observe) });
}
