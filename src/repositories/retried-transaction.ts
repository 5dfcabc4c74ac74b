import { AuthError } from '../errors.js';
import type { Db, Tx } from '../storage/prisma.js';
import { isTransactionStartTimeout, isWriteConflict } from './prisma-errors.js';

// How a transaction is held (the runner's, a key rotation's): a lost race re-runs the whole of it on fresh data, so the
// loser gets the answer the winner's state implies; a database too busy to start one is a 503 to
// retry. Nothing was written in either case.

const MAX_CONFLICT_RETRIES = 3;

/** A step's version-checked write found the instance changed since it was loaded. */
export class StaleInstanceError extends Error {
  constructor(readonly instanceId: string) {
    super(`instance ${instanceId} changed since it was loaded`);
    this.name = 'StaleInstanceError';
  }
}

/** A database too busy to start a transaction: nothing was written, the caller is told to retry. */
export const databaseBusy = (): AuthError => new AuthError('DATABASE_BUSY', { details: { retryAfterSeconds: 1 } });

/** Runs `work` in one transaction, again (after `beforeRetry`) when it lost a race, up to
 * `attempts` times in all (fewer when an optimistic attempt came first: src/engine/runner.ts). */
export async function retriedTransaction<R>(db: Pick<Db, '$transaction'>, work: (tx: Tx) => Promise<R>, beforeRetry: () => void = () => {}, attempts = MAX_CONFLICT_RETRIES): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.$transaction(work);
    } catch (error) {
      // Nothing was written: the caller is told to retry (503), not that we failed (500).
      if (isTransactionStartTimeout(error)) throw databaseBusy();
      // A lost version race, or PostgreSQL breaking a deadlock (two requests locking the same rows
      // in opposite orders): the whole transaction runs again on fresh data.
      if (!(error instanceof StaleInstanceError || isWriteConflict(error))) throw error;
      beforeRetry();
      if (attempt >= attempts) throw new AuthError('FLOW_CONFLICT', { details: { instanceId: error instanceof StaleInstanceError ? error.instanceId : null } });
    }
  }
}
