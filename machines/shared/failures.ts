// The count of failures a credential keeps (passwords, authenticator apps), and how it ends: with
// the lock it led to (once the lock is over a new count begins), or `lapseMs` after the latest
// failure. One reading for both charts, and for the stand-ins that run them (issue 15), so "when
// does this count stop mattering" has one answer.

export interface FailureCount {
  /** Failures counted and not yet cleared. */
  readonly attempts: number;
  readonly lockedUntil: number | null;
  /** When the latest failure was counted. */
  readonly latestAt: number | null;
  /** A failure stops counting this long after the latest (null: never). */
  readonly lapseMs: number | null;
}

/** Whether a lock ending at `lockedUntil` (null: none) still holds at `at`: one reading of every
 * factor's lock (a passcode's, kept beside the user, and a credential's, kept in its context). */
export const isLockInForce = (lockedUntil: number | null, at: number): boolean => lockedUntil !== null && lockedUntil > at;

/** Failures still counting at `at`: none once a lock has ended, none once the latest has lapsed. */
export function failuresCounting(count: FailureCount, at: number): number {
  if (count.lockedUntil !== null && count.lockedUntil <= at) return 0;
  return count.lapseMs !== null && count.latestAt !== null && at - count.latestAt >= count.lapseMs ? 0 : count.attempts;
}

/** From when nothing of the count is left (no lock in force, no failure counting): `since` when
 * nothing is counted now, null when the failures never lapse. */
export function failuresSettleAt(count: FailureCount, since: number): number | null {
  if (count.lockedUntil !== null) return count.lockedUntil;
  if (count.attempts === 0) return count.latestAt ?? since;
  return count.lapseMs === null || count.latestAt === null ? null : count.latestAt + count.lapseMs;
}
