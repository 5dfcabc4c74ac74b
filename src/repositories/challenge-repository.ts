import type { Tx } from '../storage/prisma.js';

// One-time secrets. Only HMACs are stored; consumption is a conditional update, so a code can be
// redeemed once whatever the isolation level and however many requests race for it.

export interface ChallengeRow {
  readonly id: string;
  readonly flowId: string;
  readonly appId: string;
  readonly userId: string;
  readonly kind: 'link' | 'otp';
  readonly expiresAt: number;
  readonly usedAt: number | null;
}

export async function insertChallenge(
  db: Tx,
  challenge: Omit<ChallengeRow, 'usedAt'> & { secretHash: string },
  at: number,
): Promise<void> {
  await db.challenge.create({
    data: { ...challenge, expiresAt: new Date(challenge.expiresAt), createdAt: new Date(at) },
  });
}

/** Ends every earlier unused challenge of this kind for the app and user: a new send replaces
 * the pending one (keystate-server.md §5 item 6). */
export async function supersedeChallenges(db: Tx, scope: { appId: string; userId: string; kind: 'link' | 'otp' }, at: number): Promise<number> {
  const { count } = await db.challenge.updateMany({ where: { ...scope, usedAt: null }, data: { usedAt: new Date(at) } });
  return count;
}

/** The challenge stored under any of these hashes (one per HMAC key). */
export async function findChallengeByHash(db: Tx, hashes: readonly string[]): Promise<ChallengeRow | null> {
  const row = await db.challenge.findFirst({ where: { secretHash: { in: [...hashes] } } });
  if (row === null) return null;
  return {
    id: row.id,
    flowId: row.flowId,
    appId: row.appId,
    userId: row.userId,
    kind: row.kind as 'link' | 'otp',
    expiresAt: row.expiresAt.getTime(),
    usedAt: row.usedAt?.getTime() ?? null,
  };
}

/** Marks the flow's live challenge used; false when it was already used (a lost race). */
export async function consumeChallenge(db: Tx, flowId: string, at: number): Promise<boolean> {
  const { count } = await db.challenge.updateMany({ where: { flowId, usedAt: null }, data: { usedAt: new Date(at) } });
  return count >= 1;
}
