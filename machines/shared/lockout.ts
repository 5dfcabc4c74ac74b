import { type Answer, refused } from './answers.js';
import type { Timed } from './events.js';

// One lockout model for every factor (issue 16 §3): passcodes, passwords and authenticator apps
// count failures, lock and answer a lock by the same rule, written once here. Each chart says only
// where its count is kept and which policy it is judged under (`LockoutRule`); the counting, the
// lock and the guards that read them come from `lockout(rule)`, so "how many guesses, when does a
// lock begin and end, when does a count stop mattering" has one answer. A credential keeps its
// count for life, in its context; a passcode keeps it for one code, in its flow, and its lock
// outlives the flow in the user's passcode lock instance (machines/passcode-lock.machine.ts), handed
// back into every later flow as `lockedOutUntil` and read by `isLockInForce`.

/** The count of failures kept, and how it ends: with the lock it led to (once the lock is over a
 * new count begins), or `lapseMs` after the latest failure. */
interface FailureCount {
  /** Failures counted and not yet cleared. */
  readonly attempts: number;
  readonly lockedUntil: number | null;
  /** When the latest failure was counted. */
  readonly latestAt: number | null;
  /** A failure stops counting this long after the latest (null: never). */
  readonly lapseMs: number | null;
}

/** How many failures a policy allows, and how long the lock the last of them leads to lasts. */
interface LockPolicy {
  readonly maxFailures: number;
  readonly lockMs: number;
}

/** What a chart tells the model about itself. */
interface LockoutRule<C, E> {
  /** Its count as the model reads it. */
  readonly failures: (context: C) => FailureCount;
  /** The policy its latest counted attempt was judged under: a verdict, and the lock it leads to,
   * follow the policy the attempt was counted with. */
  readonly policy: (context: C) => LockPolicy;
  /** The policy a submission names, when the event is one (a new attempt is judged under the
   * app's policy of the moment); null otherwise. */
  readonly submitted: (event: E) => LockPolicy | null;
}

/** What every lockable context keeps. */
interface Lockable {
  readonly attempts: number;
  readonly lockedUntil: number | null;
}

type Args<C, E> = { readonly context: C; readonly event: E };

/** Whether a lock ending at `lockedUntil` (null: none) still holds at `at`: one reading of every
 * factor's lock (a passcode's, kept in the user's passcode lock, and a credential's, kept in its context). */
export const isLockInForce = (lockedUntil: number | null, at: number): boolean => lockedUntil !== null && lockedUntil > at;

/** Failures still counting at `at`: none once a lock has ended, none once the latest has lapsed. */
function failuresCounting(count: FailureCount, at: number): number {
  if (count.lockedUntil !== null && count.lockedUntil <= at) return 0;
  return count.lapseMs !== null && count.latestAt !== null && at - count.latestAt >= count.lapseMs ? 0 : count.attempts;
}

/** From when nothing of the count is left (no lock in force, no failure counting): `since` when
 * nothing is counted now, null when the failures never lapse. */
function failuresSettleAt(count: FailureCount, since: number): number | null {
  if (count.lockedUntil !== null) return count.lockedUntil;
  if (count.attempts === 0) return count.latestAt ?? since;
  return count.lapseMs === null || count.latestAt === null ? null : count.latestAt + count.lapseMs;
}

/** The model applied to one chart: what its actions assign (each chart wraps them in `assign`,
 * whose types only its own `setup` knows) and the guards it names. */
export function lockout<C extends Lockable, E extends Timed>(rule: LockoutRule<C, E>) {
  const counting = (context: C, at: number): number => failuresCounting(rule.failures(context), at);
  return {
    /** Failures still counting at `at`. */
    counting,
    /** From when the count is as a new one's (null: not before a success clears it). */
    settlesAt: (context: C, since: number): number | null => failuresSettleAt(rule.failures(context), since),
    /** One attempt counted, BEFORE it is compared: on top of the failures still counting (a lock
     * that is over, or failures that lapsed, start a new count). */
    counted: (context: C, at: number) => ({ attempts: counting(context, at) + 1, lockedUntil: null }),
    /** An attempt that turned out to be no guess (a replay, the same wrong code again). */
    forgiven: (context: C) => ({ attempts: Math.max(0, context.attempts - 1) }),
    /** The lock the last allowed failure leads to, from `at`. */
    locked: (context: C, at: number) => ({ lockedUntil: at + rule.policy(context).lockMs }),
    /** Lifted (by an operator, or a new secret): no lock, nothing counted. */
    unlocked: { attempts: 0, lockedUntil: null } as const,
    guards: {
      isLockInForce: ({ context, event }: Args<C, E>): boolean => isLockInForce(context.lockedUntil, event.at),
      /** A submission that would be one attempt too many: it locks without being compared. */
      hasNoAttemptLeft: ({ context, event }: Args<C, E>): boolean => counting(context, event.at) >= (rule.submitted(event) ?? rule.policy(context)).maxFailures,
      /** The failure just judged was the last one the policy allows. */
      isLastAttempt: ({ context }: Args<C, E>): boolean => context.attempts >= rule.policy(context).maxFailures,
    },
  };
}

/** The answer of a lock in force, the same shape for every factor (`lockedUntil` as ISO 8601). */
export const locked =
  (code: 'OTP_LOCKED' | 'PASSWORD_LOCKED') =>
  (context: { readonly lockedUntil: number | null }): Answer =>
    refused(code, { lockedUntil: new Date(context.lockedUntil ?? 0).toISOString() });
