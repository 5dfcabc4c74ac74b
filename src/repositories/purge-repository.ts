import { Type } from 'typebox';
import type { Provider } from '../storage/database-url.js';
import { join, sql } from '../storage/sql.js';
import type { Tx } from '../storage/prisma.js';
import { reader } from './row-reader.js';

// The statements of the purge (src/maintenance/purge.ts). Each function deletes at most `limit`
// rows and reports how many it found, so the caller can loop in small batches: one statement never
// holds the database (on SQLite: the only connection) for long. Deletes repeat their condition, so
// a row that changed between the read and the delete is left alone. Nothing here reads or logs a
// secret: rows are chosen by time and deleted by internal id.

export interface BatchResult {
  /** Rows that matched (< limit: nothing more to do). */
  readonly found: number;
  readonly deleted: number;
}

const before = (cutoff: number) => ({ lt: new Date(cutoff) });

/** The code hashes of flows whose code expired before `cutoff` (redeemed or not): nothing can be
 * redeemed with them any more, so they need not be kept for the flow's audit period. */
export async function clearSpentSecrets(db: Tx, cutoff: number, limit: number): Promise<BatchResult> {
  const where = { expiresAt: before(cutoff), secretHash: { not: null } };
  const rows = await db.flow.findMany({ where, select: { id: true }, take: limit });
  if (rows.length === 0) return { found: 0, deleted: 0 };
  const { count } = await db.flow.updateMany({ where: { id: { in: rows.map((row) => row.id) }, ...where }, data: { secretHash: null } });
  return { found: rows.length, deleted: count };
}

/** Flows that stopped being able to act before `cutoff`, with their event logs (in the row). */
export async function deleteFlowsExpiredBefore(db: Tx, cutoff: number, limit: number): Promise<BatchResult> {
  const where = { expiresAt: before(cutoff) };
  const rows = await db.flow.findMany({ where, select: { id: true }, take: limit });
  if (rows.length === 0) return { found: 0, deleted: 0 };
  const { count } = await db.flow.deleteMany({ where: { id: { in: rows.map((row) => row.id) }, ...where } });
  return { found: rows.length, deleted: count };
}

/**
 * Refresh-token families that expired, stopped rotating (revoked for reuse, stopped by their
 * session's end) or whose session was logged out or revoked, before `cutoff`, with their
 * rotated-out tokens (cascade). A family that is merely active keeps its rotated-out tokens until
 * it expires: presenting one again is how reuse is detected.
 */
export async function deleteDeadRefreshFamilies(db: Tx, cutoff: number, limit: number): Promise<BatchResult> {
  const where = {
    OR: [{ expiresAt: before(cutoff) }, { endedAt: before(cutoff) }, { session: { is: { endedAt: before(cutoff) } } }],
  };
  const rows = await db.refreshFamily.findMany({ where, select: { id: true }, take: limit });
  if (rows.length === 0) return { found: 0, deleted: 0 };
  const { count } = await db.refreshFamily.deleteMany({ where: { id: { in: rows.map((row) => row.id) }, ...where } });
  return { found: rows.length, deleted: count };
}

/** Ids of up to `limit` sessions that were terminated or expired before `cutoff`. */
export async function findSessionsEndedBefore(db: Tx, cutoff: number, limit: number): Promise<string[]> {
  const rows = await db.session.findMany({
    where: { OR: [{ endedAt: before(cutoff) }, { expiresAt: before(cutoff) }] },
    select: { id: true },
    take: limit,
  });
  return rows.map((row) => row.id);
}

/** These sessions, if still ended before `cutoff` (their logs are in the row); their refresh-token families go by cascade. */
export async function deleteSessionsEndedBefore(db: Tx, sessionIds: readonly string[], cutoff: number): Promise<number> {
  if (sessionIds.length === 0) return 0;
  const { count } = await db.session.deleteMany({
    where: { id: { in: [...sessionIds] }, OR: [{ endedAt: before(cutoff) }, { expiresAt: before(cutoff) }] },
  });
  return count;
}

const idRows = reader('credential', 'a passcode lock id', Type.Object({ id: Type.String() }));

/** Until when a passcode lock holds, read from its context (src/flows/otp/lock.ts): 0 if never. */
const lockEnd = (provider: Provider) =>
  provider === 'postgresql' ? sql`COALESCE(("context"->>'lockedUntil')::bigint, 0)` : sql`COALESCE(CAST(json_extract("context", '$.lockedUntil') AS INTEGER), 0)`;

/** Passcode locks (credential instances of kind `passcode-lock`) whose lock ended before `cutoff`,
 * with their event logs (cascade): a lapsed lock changes nothing, a later one starts anew. */
export async function deletePasscodeLocksEndedBefore(db: Tx, provider: Provider, cutoff: number, limit: number): Promise<BatchResult> {
  const where = sql`"kind" = 'passcode-lock' AND ${lockEnd(provider)} < ${cutoff}`;
  const rows = idRows.all(await db.$queryRaw`SELECT "id" FROM "credential" WHERE ${where} LIMIT ${limit}`);
  if (rows.length === 0) return { found: 0, deleted: 0 };
  const count = await db.$executeRaw`DELETE FROM "credential" WHERE "id" IN (${join(rows.map((row) => row.id))}) AND ${where}`;
  return { found: rows.length, deleted: count };
}

/** Credentials revoked before `cutoff`, with their event logs (cascade): a revoked credential's log
 * is its audit trail, kept for the audit period. Live credentials are never purged. */
export async function deleteCredentialsRevokedBefore(db: Tx, cutoff: number, limit: number): Promise<BatchResult> {
  const where = { endedAt: before(cutoff) };
  const rows = await db.credential.findMany({ where, select: { id: true }, take: limit });
  if (rows.length === 0) return { found: 0, deleted: 0 };
  const { count } = await db.credential.deleteMany({ where: { id: { in: rows.map((row) => row.id) }, ...where } });
  return { found: rows.length, deleted: count };
}

/** Stand-in credentials that settled before `cutoff` (from then on they answer every login as a new
 * one would, so forgetting them changes no answer), with their event logs (cascade). */
export async function deleteStandInsSettledBefore(db: Tx, cutoff: number, limit: number): Promise<BatchResult> {
  const where = { settlesAt: before(cutoff) };
  const rows = await db.shadowCredential.findMany({ where, select: { id: true }, take: limit });
  if (rows.length === 0) return { found: 0, deleted: 0 };
  const { count } = await db.shadowCredential.deleteMany({ where: { id: { in: rows.map((row) => row.id) }, ...where } });
  return { found: rows.length, deleted: count };
}

/** Dev-outbox messages written before `cutoff`. */
export async function deleteOutboxMessagesBefore(db: Tx, cutoff: number, limit: number): Promise<BatchResult> {
  const where = { createdAt: before(cutoff) };
  const rows = await db.delivery.findMany({ where, select: { id: true }, take: limit });
  if (rows.length === 0) return { found: 0, deleted: 0 };
  const { count } = await db.delivery.deleteMany({ where: { id: { in: rows.map((row) => row.id) }, ...where } });
  return { found: rows.length, deleted: count };
}
