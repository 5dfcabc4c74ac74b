import { isUniqueViolation } from '../repositories/prisma-errors.js';

// A user holds one live credential of a kind per app (the unique `live_key`). Two requests that
// start one at once both find the slot empty when they look (on PostgreSQL no row lock can hold a
// row not yet written); the database lets one in and refuses the other's insert. The loser is
// answered as it would have been had it come second: `taken` says how (an error, or its work done
// again, now that the winner's credential is there to find).

export async function claimingLiveSlot<R>(work: () => Promise<R>, taken: () => Promise<R>): Promise<R> {
  try {
    return await work();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return taken();
  }
}
