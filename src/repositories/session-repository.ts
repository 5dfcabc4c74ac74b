import type { Tx } from '../storage/prisma.js';
import { fromJson, toJson } from './json.js';
import { isUniqueViolation } from './prisma-errors.js';

// Session rows: the persisted context of the session statechart, found by the hash of the public
// session_id (a bearer secret) and updated only on the version that was read.

export type SessionState = 'active' | 'expired' | 'terminated';

export interface SessionRow {
  readonly id: string;
  /** The stored hash of the public session_id. */
  readonly idHash: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly createdByAppId: string;
  readonly state: SessionState;
  readonly methods: readonly string[];
  readonly authTime: number;
  readonly expiresAt: number;
  readonly endedAt: number | null;
  readonly endReason: 'logout' | 'revoked' | null;
  readonly version: number;
  readonly createdAt: number;
}

type Row = {
  id: string;
  idHash: string;
  tenantId: string;
  userId: string;
  createdByAppId: string;
  state: string;
  methods: unknown;
  authTime: Date;
  expiresAt: Date;
  endedAt: Date | null;
  endReason: string | null;
  version: number;
  createdAt: Date;
};

const toSession = (row: Row): SessionRow => ({
  id: row.id,
  idHash: row.idHash,
  tenantId: row.tenantId,
  userId: row.userId,
  createdByAppId: row.createdByAppId,
  state: row.state as SessionState,
  methods: fromJson<string[]>(row.methods),
  authTime: row.authTime.getTime(),
  expiresAt: row.expiresAt.getTime(),
  endedAt: row.endedAt?.getTime() ?? null,
  endReason: row.endReason as SessionRow['endReason'],
  version: row.version,
  createdAt: row.createdAt.getTime(),
});

export async function findSessionByHash(db: Tx, hashes: readonly string[]): Promise<SessionRow | null> {
  const row = await db.session.findFirst({ where: { idHash: { in: [...hashes] } } });
  return row === null ? null : toSession(row);
}

export async function insertSession(db: Tx, session: SessionRow): Promise<void> {
  await db.session.create({
    data: {
      ...session,
      methods: toJson(session.methods),
      authTime: new Date(session.authTime),
      expiresAt: new Date(session.expiresAt),
      endedAt: session.endedAt === null ? null : new Date(session.endedAt),
      createdAt: new Date(session.createdAt),
    },
  });
}

/** The same session id hashed under the current HMAC key (unless another request already did). */
export async function rehashSessionId(db: Tx, id: string, previousHash: string, idHash: string): Promise<void> {
  await db.session.updateMany({ where: { id, idHash: previousHash }, data: { idHash } });
}

/** Version-checked: false when the session changed since it was read. */
export async function saveSession(db: Tx, readVersion: number, next: SessionRow): Promise<boolean> {
  const { count } = await db.session.updateMany({
    where: { id: next.id, version: readVersion },
    data: {
      state: next.state,
      methods: toJson(next.methods),
      authTime: new Date(next.authTime),
      expiresAt: new Date(next.expiresAt),
      endedAt: next.endedAt === null ? null : new Date(next.endedAt),
      endReason: next.endReason,
      version: next.version,
    },
  });
  return count === 1;
}

/**
 * Takes the session row's write lock without changing it, or reports that it ended. A request that
 * mints tokens from a session (refresh) does this first, so it is ordered either wholly before a
 * logout (whose revocation then covers the new token) or wholly after it (and refused).
 */
export async function lockLiveSession(db: Tx, sessionId: string): Promise<boolean> {
  const { count } = await db.session.updateMany({ where: { id: sessionId, state: { not: 'terminated' } }, data: { version: { increment: 0 } } });
  return count === 1;
}

export async function appendSessionEvent(
  db: Tx,
  event: { sessionId: string; seq: number; type: string; at: number; state: string; appId: string; details?: Record<string, unknown> | null },
): Promise<void> {
  await db.sessionEvent.create({
    data: { ...event, at: new Date(event.at), details: event.details ? toJson(event.details) : undefined },
  });
}

/** The user's sessions in this tenant that are still usable at `at`, newest first, at most `limit`. */
export async function listLiveSessions(db: Tx, tenantId: string, userId: string, at: number, limit: number): Promise<SessionRow[]> {
  const rows = await db.session.findMany({
    where: { tenantId, userId, state: 'active', expiresAt: { gt: new Date(at) } },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit,
  });
  return rows.map(toSession);
}

/**
 * Terminates every session of the user in this tenant that has not ended (live or expired), as
 * the session statechart does on `session.revoke`, in set-based statements: the log gets one
 * event per session (its unique (session, seq) key is the version check: a session changed
 * concurrently makes the insert fail and the caller retry), then one update ends them all.
 * Returns the ids of the sessions it ended, or null when one of them changed concurrently.
 */
export async function revokeOpenSessions(db: Tx, scope: { tenantId: string; userId: string }, appId: string, at: number): Promise<string[] | null> {
  const open = await db.session.findMany({ where: { ...scope, state: { not: 'terminated' } }, select: { id: true, version: true } });
  if (open.length === 0) return [];
  const when = new Date(at);
  try {
    await db.sessionEvent.createMany({
      data: open.map((session) => ({ sessionId: session.id, seq: session.version + 1, type: 'session.revoke', at: when, state: 'terminated', appId })),
    });
  } catch (error) {
    if (isUniqueViolation(error)) return null;
    throw error;
  }
  await db.session.updateMany({
    where: { id: { in: open.map((session) => session.id) }, state: { not: 'terminated' } },
    data: { state: 'terminated', endReason: 'revoked', endedAt: when, version: { increment: 1 } },
  });
  return open.map((session) => session.id);
}
