import type { Tx } from '../storage/prisma.js';

// Who is locked out of which method, until when. Written when a flow locks (rare), read on every
// authenticate of that method.

export type LockableMethod = 'otp' | 'totp' | 'password';

export async function lock(db: Tx, scope: { appId: string; userId: string; method: LockableMethod }, until: number, at: number): Promise<void> {
  await db.lockout.upsert({
    where: { appId_userId_method: scope },
    create: { ...scope, lockedUntil: new Date(until), createdAt: new Date(at) },
    update: { lockedUntil: new Date(until) },
  });
}
