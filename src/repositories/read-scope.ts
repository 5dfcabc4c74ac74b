import type { ReadScope } from '../engine/instance-store.js';
import { empty, rawSql, type Sql } from '../storage/sql.js';

// Where a finder of instances reads. In the interactive transaction it locks what it reads on
// PostgreSQL (FOR UPDATE: a concurrent step on the same row waits until this one commits; SQLite
// has one writer at a time anyway). On an optimistic step (src/engine/queued-writes.ts) it reads
// plainly: no transaction is open, and the step's version-checked write is what catches a race.

export type { ReadScope };

/** `FOR UPDATE OF <alias>` where the scope locks, nothing otherwise (the alias is the query's own). */
export const forUpdateOf = (scope: ReadScope, alias: 's' | 'f'): Sql => (scope.locks && scope.provider === 'postgresql' ? rawSql(`FOR UPDATE OF ${alias}`) : empty);

/** `FOR UPDATE` where the scope locks, nothing otherwise (a query of one table, no alias). */
export const forUpdate = (scope: ReadScope): Sql => (scope.locks && scope.provider === 'postgresql' ? rawSql('FOR UPDATE') : empty);
