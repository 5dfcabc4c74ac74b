import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, SqlResultSet } from '@prisma/driver-adapter-utils';
import { wrappedAdapterFactory } from './wrapped-adapter.js';

// Tells `onChange` each time the database commits a change: a write statement that changed rows,
// outside a transaction or in one that then committed. That is the proof that writes work again
// after an outage (./database-outage.ts); a statement that changed nothing (a claim that found no
// due job) proves nothing, since a full disk still runs it. Every statement passes here, so the
// check is a character comparison and a row count, never a parse.

type Queryable = Pick<SqlDriverAdapter, 'queryRaw' | 'executeRaw'>;

/** INSERT, UPDATE, DELETE (Prisma's statements start with the keyword; WITH … is never sent). */
function isWrite(sql: string): boolean {
  const first = sql.charCodeAt(0) | 0x20;
  return first === 0x69 /* i */ || first === 0x75 /* u */ || first === 0x64 /* d */;
}

/** Wraps a connection or transaction so `changed()` hears of every write that changed rows. */
function reportChanges<T extends Queryable>(target: T, changed: () => void): T {
  const queryRaw = target.queryRaw.bind(target);
  const executeRaw = target.executeRaw.bind(target);
  target.queryRaw = async (query: SqlQuery): Promise<SqlResultSet> => {
    const result = await queryRaw(query);
    if (result.rows.length > 0 && isWrite(query.sql)) changed();
    return result;
  };
  target.executeRaw = async (query: SqlQuery): Promise<number> => {
    const count = await executeRaw(query);
    if (count > 0 && isWrite(query.sql)) changed();
    return count;
  };
  return target;
}

export function reportCommittedChanges(factory: SqlDriverAdapterFactory, onChange: () => void): SqlDriverAdapterFactory {
  return wrappedAdapterFactory(factory, {
    connection: (adapter) => reportChanges(adapter, onChange),
    transaction(started) {
      let changed = false;
      const tx = reportChanges(started, () => {
        changed = true;
      });
      // Prisma calls commit() once COMMIT has succeeded (or to run it, with a phantom query).
      const commit = tx.commit.bind(tx);
      tx.commit = async () => {
        await commit();
        if (changed) onChange();
      };
      return tx;
    },
  });
}
