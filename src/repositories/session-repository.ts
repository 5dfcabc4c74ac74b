import type { Tx } from '../storage/prisma.js';
import { fromJson, toJson } from './json.js';

// Session rows: the persisted context of the session statechart, found by the hash of the public
// session_id (a bearer secret) and updated only on the version that was read.

export type SessionState = 'active' | 'expired' | 'terminated';

export interface SessionRow {
  readonly id: string;
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

export async function insertSession(db: Tx, session: SessionRow & { idHash: string }): Promise<void> {
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

/** The user's sessions in this tenant that are still usable at `at`. */
export async function listLiveSessions(db: Tx, tenantId: string, userId: string, at: number): Promise<SessionRow[]> {
  const rows = await db.session.findMany({
    where: { tenantId, userId, state: 'active', expiresAt: { gt: new Date(at) } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return rows.map(toSession);
}

/** The user's sessions in this tenant that have not been terminated (live or expired). */
export async function listOpenSessions(db: Tx, tenantId: string, userId: string): Promise<SessionRow[]> {
  const rows = await db.session.findMany({ where: { tenantId, userId, state: { not: 'terminated' } } });
  return rows.map(toSession);
}
