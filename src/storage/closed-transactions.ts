import type { SqlDriverAdapterFactory, SqlQuery, Transaction } from '@prisma/driver-adapter-utils';
import { DatabaseFaultError } from './database-fault.js';
import { wrappedAdapterFactory } from './wrapped-adapter.js';

// A transaction that is being committed or rolled back runs nothing more. Prisma ends a transaction
// that outlives its time limit (a slow or stalled database) while a model operation of it is still
// running; that operation's next statements then reach the transaction object after its connection
// went back to the pool (PostgreSQL) or its lock was released (SQLite's one connection), and would
// run outside any transaction, even inside another request's (seen: a nested create's second
// INSERT ran on its own after the first was rolled back). Here they fail instead, as the fault they
// are: the database was too slow. Prisma ends a transaction by sending COMMIT or ROLLBACK, then
// calling commit() or rollback(); a statement queued behind that COMMIT or ROLLBACK would run after
// it, so the transaction counts as ended from the moment either is sent.

/** What Prisma sends to end a transaction (a savepoint's ROLLBACK TO … does not end it). */
const ENDS = new Set(['COMMIT', 'ROLLBACK']);

const refused = (sql: string) => new DatabaseFaultError({ reason: 'too slow', code: 'P2028' }, `a statement arrived after its transaction had ended (it outlived its time limit): ${sql.slice(0, 40)}`);

function guarded(tx: Transaction): Transaction {
  let ended = false;
  const queryRaw = tx.queryRaw.bind(tx);
  const executeRaw = tx.executeRaw.bind(tx);
  const commit = tx.commit.bind(tx);
  const rollback = tx.rollback.bind(tx);
  tx.queryRaw = (query: SqlQuery) => (ended ? Promise.reject(refused(query.sql)) : queryRaw(query));
  tx.executeRaw = (query: SqlQuery) => {
    if (ended) return Promise.reject(refused(query.sql));
    if (ENDS.has(query.sql)) ended = true;
    return executeRaw(query);
  };
  tx.commit = () => {
    ended = true;
    return commit();
  };
  tx.rollback = () => {
    ended = true;
    return rollback();
  };
  return tx;
}

export function refuseStatementsAfterTransactionEnd(factory: SqlDriverAdapterFactory): SqlDriverAdapterFactory {
  return wrappedAdapterFactory(factory, { transaction: guarded });
}
