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
  challenge: Omit<ChallengeRow, 'usedAt'> & { secretHash: string; subject?: string; attempts?: number; maxAttempts?: number },
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

type Row = {
  id: string;
  flowId: string;
  appId: string;
  userId: string;
  kind: string;
  secretHash: string;
  attempts: number;
  maxAttempts: number;
  expiresAt: Date;
  usedAt: Date | null;
};

const toChallenge = (row: Row): StoredChallenge => ({
  id: row.id,
  flowId: row.flowId,
  appId: row.appId,
  userId: row.userId,
  kind: row.kind as ChallengeRow['kind'],
  secretHash: row.secretHash,
  attempts: row.attempts,
  maxAttempts: row.maxAttempts,
  expiresAt: row.expiresAt.getTime(),
  usedAt: row.usedAt?.getTime() ?? null,
});

/** The challenge stored under any of these hashes (one per HMAC key). */
export async function findChallengeByHash(db: Tx, hashes: readonly string[]): Promise<StoredChallenge | null> {
  const row = await db.challenge.findFirst({ where: { secretHash: { in: [...hashes] } } });
  return row === null ? null : toChallenge(row);
}

/** Marks the flow's live challenge used; false when it was already used (a lost race). */
export async function consumeChallenge(db: Tx, flowId: string, at: number): Promise<boolean> {
  const { count } = await db.challenge.updateMany({ where: { flowId, usedAt: null }, data: { usedAt: new Date(at) } });
  return count >= 1;
}

export interface StoredChallenge extends ChallengeRow {
  readonly secretHash: string;
  readonly attempts: number;
  readonly maxAttempts: number;
}

/** The flow's unused challenge (each flow issues one), or null once it is used or revoked. */
export async function findChallengeOfFlow(db: Tx, flowId: string): Promise<StoredChallenge | null> {
  const row = await db.challenge.findFirst({ where: { flowId, usedAt: null } });
  return row === null ? null : toChallenge(row);
}

/** The newest unused passcode issued to this user by this app for this identifier. */
export async function findPendingPasscode(db: Tx, scope: { appId: string; userId: string; subject: string }): Promise<StoredChallenge | null> {
  const row = await db.challenge.findFirst({
    where: { appId: scope.appId, userId: scope.userId, kind: 'otp', subject: scope.subject, usedAt: null },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
  });
  return row === null ? null : toChallenge(row);
}

/** Failed guesses already spent on the user's pending, unexpired passcodes: a resend carries
 * them over, so sending new codes does not buy new guesses. */
export async function pendingPasscodeAttempts(db: Tx, scope: { appId: string; userId: string }, at: number): Promise<number> {
  const rows = await db.challenge.findMany({
    where: { ...scope, kind: 'otp', usedAt: null, expiresAt: { gt: new Date(at) } },
    select: { attempts: true },
  });
  return rows.reduce((max, row) => Math.max(max, row.attempts), 0);
}

/**
 * Reserves one guess on a passcode BEFORE its comparison, so no more than `maxAttempts` codes are
 * ever compared, whatever the concurrency: each reservation is a conditional update of the count
 * that was read (a lost race re-reads). Returns the attempt number, or null when none is left.
 */
export async function reserveAttempt(db: Tx, challengeId: string): Promise<number | null> {
  for (let tries = 0; tries < 10; tries++) {
    const row = await db.challenge.findUnique({ where: { id: challengeId }, select: { attempts: true, maxAttempts: true, usedAt: true } });
    if (row === null || row.usedAt !== null || row.attempts >= row.maxAttempts) return null;
    const { count } = await db.challenge.updateMany({
      where: { id: challengeId, usedAt: null, attempts: row.attempts },
      data: { attempts: row.attempts + 1 },
    });
    if (count === 1) return row.attempts + 1;
  }
  return null;
}
