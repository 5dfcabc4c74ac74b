import type { Provider } from '../storage/database-url.js';
import type { Tx } from '../storage/prisma.js';
import { empty, rawSql, type Sql } from '../storage/sql.js';

// Where a finder of instances reads. In the interactive transaction it locks what it reads on
// PostgreSQL (FOR UPDATE: a concurrent step on the same row waits until this one commits; SQLite
// has one writer at a time anyway). On an optimistic step (src/engine/queued-writes.ts) it reads
// plainly: no transaction is open, and the step's version-checked write is what catches a race.

export interface ReadScope {
  readonly tx: Tx;
  readonly provider: Provider;
  /** True in the interactive transaction (the runner's TxSteps say which). */
  readonly locks: boolean;
}

/** `FOR UPDATE OF <alias>` where the scope locks, nothing otherwise (the alias is the query's own). */
export const forUpdateOf = (scope: ReadScope, alias: 's' | 'f'): Sql => (scope.locks && scope.provider === 'postgresql' ? rawSql(`FOR UPDATE OF ${alias}`) : empty);
