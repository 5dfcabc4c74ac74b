import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, SqlResultSet } from '@prisma/driver-adapter-utils';
import { wrappedAdapterFactory } from './wrapped-adapter.js';

// Tells whoever waits for it that the database committed a change: a write statement that changed
// rows, outside a transaction or in one that then committed. That is the proof that writes work
// again after an outage (./database-outage.ts); a statement that changed nothing (a claim that
// found no due job) proves nothing, since a full disk still runs it. Only while someone waits (an
// outage is on) are statements looked at: a healthy server pays one length check per statement.

type Queryable = Pick<SqlDriverAdapter, 'queryRaw' | 'executeRaw'>;

/** INSERT, UPDATE, DELETE, and WITH: a step's guarded UPDATE on PostgreSQL is a writable CTE
 * (src/repositories/stale-guard.ts), the only WITH sent (statements start with their keyword). */
function isWrite(sql: string): boolean {
  const first = sql.charCodeAt(0) | 0x20;
  return first === 0x69 /* i */ || first === 0x75 /* u */ || first === 0x64 /* d */ || first === 0x77 /* w */;
}

export interface CommittedChanges {
  /** Resolves at the next committed change. */
  next(): Promise<void>;
  /** Wraps a driver adapter factory so that its committed changes resolve `next()`. */
  reportFrom(factory: SqlDriverAdapterFactory): SqlDriverAdapterFactory;
}

export function committedChanges(): CommittedChanges {
  let waiting: (() => void)[] = [];
  const changed = () => {
    const woken = waiting;
    waiting = [];
    for (const wake of woken) wake();
  };

  /** Wraps a connection or transaction so `seen()` hears of every write that changed rows. */
  function reportChanges<T extends Queryable>(target: T, seen: () => void): T {
    const queryRaw = target.queryRaw.bind(target);
    const executeRaw = target.executeRaw.bind(target);
    const sawQuery = (sql: string) => (result: SqlResultSet) => {
      if (result.rows.length > 0 && isWrite(sql)) seen();
      return result;
    };
    const sawExecute = (sql: string) => (count: number) => {
      if (count > 0 && isWrite(sql)) seen();
      return count;
    };
    target.queryRaw = (query: SqlQuery) => (waiting.length === 0 ? queryRaw(query) : queryRaw(query).then(sawQuery(query.sql)));
    target.executeRaw = (query: SqlQuery) => (waiting.length === 0 ? executeRaw(query) : executeRaw(query).then(sawExecute(query.sql)));
    return target;
  }

  return {
    next: () => new Promise<void>((resolve) => waiting.push(resolve)),
    reportFrom: (factory) =>
      wrappedAdapterFactory(factory, {
        connection: (adapter) => reportChanges(adapter, changed),
        transaction(started) {
          let wrote = false;
          const tx = reportChanges(started, () => {
            wrote = true;
          });
          // Prisma calls commit() once COMMIT has succeeded (or to run it, with a phantom query).
          const commit = tx.commit.bind(tx);
          tx.commit = async () => {
            await commit();
            if (wrote) changed();
          };
          return tx;
        },
      }),
  };
}
