import type { Provider } from '../storage/database-url.js';
import type { Statement, Tx } from '../storage/prisma.js';
import { rawSql, type Sql } from '../storage/sql.js';
import { STALE_MARKER } from './prisma-errors.js';

// A version-checked UPDATE that must take its batch down when it matches no row (issue 17): a
// flow's step is that one UPDATE (its log is in its row), so when other writes share its batch
// (the session a login opens, the message a send keeps), nothing else would fail on a lost race.
// The database raises the error itself, inside the batch's transaction, so the batch rolls back:
// - SQLite: the next statement asks `changes()` (the rows the UPDATE before it changed, on the
//   same connection) and hands json_extract a path that is not one when it is not 1;
// - PostgreSQL: the UPDATE in a writable CTE whose outer SELECT casts the marker to an integer when
//   its count is not 1 (the cast depends on the count, so the planner cannot fold it early).
// Either error names STALE_MARKER, which is how the runner tells a lost race (isStaleGuard).

const marker = rawSql(`'${STALE_MARKER}'`);

function guardedUpdate(db: Tx, provider: Provider, update: Sql): readonly Statement[] {
  if (provider === 'postgresql') {
    return [
      db.$queryRaw`WITH "stepped" AS (${update} RETURNING 1)
      SELECT CASE count(*) WHEN 1 THEN 1 ELSE CAST(${marker} || count(*) AS integer) END AS "stepped" FROM "stepped"`,
    ];
  }
  return [db.$executeRaw(update), db.$queryRaw`SELECT json_extract('{}', CASE changes() WHEN 1 THEN '$' ELSE ${marker} END) AS "stepped"`];
}

/** The UPDATE alone (its count says whether it won) and its guarded form, as StepWrites gives them. */
export function checkedUpdate(db: Tx, provider: Provider, update: Sql) {
  return { checked: db.$executeRaw(update), rest: [], guarded: () => guardedUpdate(db, provider, update) };
}
