import { describe, expect, it } from 'vitest';
import { otpAnswers } from '../../../machines/otp.answers.js';
import { passwordAnswers } from '../../../machines/password.answers.js';
import { isLockInForce, locked, lockout } from '../../../machines/shared/lockout.js';
import { totpAnswers } from '../../../machines/totp.answers.js';

// The one lockout model every factor follows (issue 16 §3), read on its own: a chart says where its
// count lives and which policy judges it; counting, locking, lapsing and the answer are the model's.

const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);
const MINUTE = 60_000;

interface Count {
  readonly attempts: number;
  readonly lockedUntil: number | null;
  readonly latestAt: number | null;
  readonly max: number;
}
type Submit = { readonly type: 'submit'; readonly at: number; readonly max: number } | { readonly type: 'verdict'; readonly at: number };

const model = lockout<Count, Submit>({
  failures: (context) => ({ attempts: context.attempts, lockedUntil: context.lockedUntil, latestAt: context.latestAt, lapseMs: 10 * MINUTE }),
  policy: (context) => ({ maxFailures: context.max, lockMs: 15 * MINUTE }),
  submitted: (event) => (event.type === 'submit' ? { maxFailures: event.max, lockMs: 15 * MINUTE } : null),
});
const count = (attempts: number, extra: Partial<Count> = {}): Count => ({ attempts, lockedUntil: null, latestAt: T0, max: 3, ...extra });
const submit = (at: number, max = 3): Submit => ({ type: 'submit', at, max });

describe('the lockout model', () => {
  it('a lock holds until its end, exclusive', () => {
    expect(isLockInForce(null, T0)).toBe(false);
    expect(isLockInForce(T0 + 1, T0)).toBe(true);
    expect(isLockInForce(T0, T0)).toBe(false);
  });

  it('counts on top of the failures still counting: a lapsed count or an ended lock starts anew', () => {
    expect(model.counted(count(2), T0 + MINUTE)).toEqual({ attempts: 3, lockedUntil: null });
    expect(model.counted(count(2), T0 + 10 * MINUTE)).toEqual({ attempts: 1, lockedUntil: null });
    expect(model.counted(count(3, { lockedUntil: T0 + 5 * MINUTE }), T0 + 5 * MINUTE)).toEqual({ attempts: 1, lockedUntil: null });
    expect(model.forgiven(count(0))).toEqual({ attempts: 0 });
    expect(model.forgiven(count(2))).toEqual({ attempts: 1 });
  });

  it('a submission with no attempt left locks uncompared, under the policy it names; a verdict is judged under the kept one', () => {
    const at = T0 + MINUTE;
    expect(model.guards.hasNoAttemptLeft({ context: count(3), event: submit(at) })).toBe(true);
    expect(model.guards.hasNoAttemptLeft({ context: count(3), event: submit(at, 5) })).toBe(false);
    expect(model.guards.hasNoAttemptLeft({ context: count(3), event: submit(T0 + 10 * MINUTE) })).toBe(false);
    expect(model.guards.isLastAttempt({ context: count(3), event: { type: 'verdict', at } })).toBe(true);
    expect(model.guards.isLastAttempt({ context: count(2), event: { type: 'verdict', at } })).toBe(false);
    expect(model.locked(count(3), at)).toEqual({ lockedUntil: at + 15 * MINUTE });
    expect(model.guards.isLockInForce({ context: count(3, { lockedUntil: at + 1 }), event: { type: 'verdict', at } })).toBe(true);
  });

  it('settles when no lock or failure is left', () => {
    expect(model.settlesAt(count(0, { latestAt: null }), T0)).toBe(T0);
    expect(model.settlesAt(count(2), T0 - MINUTE)).toBe(T0 + 10 * MINUTE);
    expect(model.settlesAt(count(3, { lockedUntil: T0 + 15 * MINUTE }), T0)).toBe(T0 + 15 * MINUTE);
    expect(model.counting(count(2), T0 + MINUTE)).toBe(2);
  });

  it('every factor answers a lock in force with the same body', () => {
    const lockedUntil = T0 + 15 * MINUTE;
    const body = { kind: 'refused', details: { lockedUntil: new Date(lockedUntil).toISOString() } };
    expect(locked('OTP_LOCKED')({ lockedUntil })).toEqual({ ...body, error: 'OTP_LOCKED' });
    const answer = (table: Record<string, unknown>, state: string, context: object) => {
      const entry = table[state];
      return typeof entry === 'function' ? entry(context) : entry;
    };
    expect(answer(passwordAnswers, 'locked.refusing', { lockedUntil })).toEqual({ ...body, error: 'PASSWORD_LOCKED' });
    expect(answer(totpAnswers, 'locked.refusing', { lockedUntil })).toEqual({ ...body, error: 'OTP_LOCKED' });
    expect(answer(otpAnswers, 'locked.refusing', { lockedUntil, lockedOutUntil: null })).toEqual({ ...body, error: 'OTP_LOCKED' });
    expect(answer(otpAnswers, 'lockedOut.refusingCode', { lockedUntil: null, lockedOutUntil: lockedUntil })).toEqual({ ...body, error: 'OTP_LOCKED' });
  });
});
