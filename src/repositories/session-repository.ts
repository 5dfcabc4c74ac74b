import type { Tx } from '../storage/prisma.js';
import { fromJson, toJson } from './json.js';

// IDP sessions. The public session_id is a bearer secret: rows are found by its hash only.

export interface SessionRow {
  readonly id: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly createdByAppId: string;
  readonly methods: readonly string[];
  readonly authTime: number;
  readonly expiresAt: number;
  readonly endedAt: number | null;
  readonly version: number;
  readonly createdAt: number;
}

type Row = {
  id: string;
  tenantId: string;
  userId: string;
  createdByAppId: string;
  methods: unknown;
  authTime: Date;
  expiresAt: Date;
  endedAt: Date | null;
  version: number;
  createdAt: Date;
};

const toSession = (row: Row): SessionRow => ({
  id: row.id,
  tenantId: row.tenantId,
  userId: row.userId,
  createdByAppId: row.createdByAppId,
  methods: fromJson<string[]>(row.methods),
  authTime: row.authTime.getTime(),
  expiresAt: row.expiresAt.getTime(),
  endedAt: row.endedAt?.getTime() ?? null,
  version: row.version,
  createdAt: row.createdAt.getTime(),
});

export async function findSessionByHash(db: Tx, hashes: readonly string[]): Promise<SessionRow | null> {
  const row = await db.session.findFirst({ where: { idHash: { in: [...hashes] } } });
  return row === null ? null : toSession(row);
}

export async function insertSession(db: Tx, session: Omit<SessionRow, 'endedAt' | 'version'> & { idHash: string }): Promise<void> {
  await db.session.create({
    data: {
      ...session,
      methods: toJson(session.methods),
      authTime: new Date(session.authTime),
      expiresAt: new Date(session.expiresAt),
      createdAt: new Date(session.createdAt),
    },
  });
}

/** Version-checked: false when the session changed (or ended) since it was read. */
export async function updateSession(
  db: Tx,
  session: Pick<SessionRow, 'id' | 'version'>,
  changes: { methods: readonly string[]; authTime: number; expiresAt: number },
): Promise<boolean> {
  const { count } = await db.session.updateMany({
    where: { id: session.id, version: session.version, endedAt: null },
    data: {
      methods: toJson(changes.methods),
      authTime: new Date(changes.authTime),
      expiresAt: new Date(changes.expiresAt),
      version: session.version + 1,
    },
  });
  return count === 1;
}
