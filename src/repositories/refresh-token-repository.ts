import type { Tx } from '../storage/prisma.js';
import type { UserGrant } from '../tokens/token-service.js';
import { fromJson, toJson } from './json.js';

// Opaque refresh tokens, stored as HMACs. A family descends from one authentication; rotation
// and revocation are conditional updates, so a token is exchanged at most once.

export interface RefreshTokenRow {
  readonly id: string;
  readonly familyId: string;
  readonly sessionId: string | null;
  readonly tenantId: string;
  readonly appId: string;
  readonly userId: string;
  readonly grant: UserGrant;
  readonly expiresAt: number;
  readonly rotatedAt: number | null;
  readonly revokedAt: number | null;
  readonly createdAt: number;
}

export interface NewRefreshToken extends Omit<RefreshTokenRow, 'rotatedAt' | 'revokedAt'> {
  readonly tokenHash: string;
}

export async function insertRefreshToken(db: Tx, token: NewRefreshToken): Promise<void> {
  await db.refreshToken.create({
    data: { ...token, grant: toJson(token.grant), expiresAt: new Date(token.expiresAt), createdAt: new Date(token.createdAt) },
  });
}

export async function findRefreshTokenByHash(db: Tx, hashes: readonly string[]): Promise<RefreshTokenRow | null> {
  const row = await db.refreshToken.findFirst({ where: { tokenHash: { in: [...hashes] } } });
  if (row === null) return null;
  return {
    id: row.id,
    familyId: row.familyId,
    sessionId: row.sessionId,
    tenantId: row.tenantId,
    appId: row.appId,
    userId: row.userId,
    grant: fromJson<UserGrant>(row.grant),
    expiresAt: row.expiresAt.getTime(),
    rotatedAt: row.rotatedAt?.getTime() ?? null,
    revokedAt: row.revokedAt?.getTime() ?? null,
    createdAt: row.createdAt.getTime(),
  };
}

/** Marks the token rotated; false when it was rotated or revoked meanwhile (a lost race). */
export async function markRotated(db: Tx, id: string, at: number): Promise<boolean> {
  const { count } = await db.refreshToken.updateMany({ where: { id, rotatedAt: null, revokedAt: null }, data: { rotatedAt: new Date(at) } });
  return count === 1;
}

export async function revokeFamily(db: Tx, familyId: string, at: number): Promise<number> {
  const { count } = await db.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: new Date(at) } });
  return count;
}

export async function revokeSessionTokens(db: Tx, sessionIds: readonly string[], at: number): Promise<number> {
  if (sessionIds.length === 0) return 0;
  const { count } = await db.refreshToken.updateMany({ where: { sessionId: { in: [...sessionIds] }, revokedAt: null }, data: { revokedAt: new Date(at) } });
  return count;
}
