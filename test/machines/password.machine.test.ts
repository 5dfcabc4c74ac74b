import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { type PasswordEvent, passwordMachine, passwordSettlesAt } from '../../machines/password.machine.js';
import type { PasswordInput, PasswordPolicy } from '../../machines/password.context.js';
import { passwordAnswers } from '../../machines/password.answers.js';
import { stateValueToString } from '../../machines/shared/state-value.js';
import { effectsOf as effects } from '../helpers/machine-effects.js';

// The password statechart (issue 11), transition by transition, with explicit event times.

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const POLICY: PasswordPolicy = { maxFailures: 5, suspensionMs: 15 * MINUTE, failuresExpireMs: 15 * MINUTE, expiresAfterMs: 90 * DAY, temporaryValidityMs: null };
const input: PasswordInput = { userId: 'user-1', setAt: T0, temporary: false };
type Snapshot = ReturnType<typeof passwordMachine.resolveState>;
const stateOf = (snapshot: { value: unknown }) => stateValueToString(snapshot.value);
/** A verdict names the attempt it answers: the latest counted one unless the test says otherwise. */
type Loose<E> = E extends { attempt: number } ? Omit<E, 'attempt'> & { attempt?: number } : E;
const step = (snapshot: Snapshot, event: Loose<PasswordEvent>) =>
  transition(passwordMachine, snapshot, ('generation' in event && event.attempt === undefined ? { ...event, attempt: snapshot.context.submitted } : event) as PasswordEvent);
const submit = (at: number, extra: Partial<Extract<PasswordEvent, { type: 'password.submit' }>> = {}): PasswordEvent => ({
  type: 'password.submit',
  at,
  session: null,
  policy: POLICY,
  resource: null,
  allowedResources: [],
  ...extra,
});
const start = (overrides: Partial<PasswordInput> = {}) => initialTransition(passwordMachine, { ...input, ...overrides })[0];
const RECORD = [{ type: 'recordAuthentication', params: { method: 'pwd', verifies: null } }];

/** `count` wrong passwords, one after the other, from `snapshot`. */
function wrong(snapshot: Snapshot, count: number, at = T0 + MINUTE): Snapshot {
  let current = snapshot;
  for (let i = 0; i < count; i++) current = step(step(current, submit(at))[0], { type: 'password.mismatched', generation: 1, at })[0];
  return current;
}

describe('password machine', () => {
  it('counts the attempt before asking for the comparison; the right password logs in and clears the count', () => {
    const [verifying, actions] = step(start(), submit(T0 + MINUTE));
    expect(stateOf(verifying)).toBe('active.verifying');
    expect(verifying.context.attempts).toBe(1);
    expect(effects(actions)).toEqual([{ type: 'comparePassword', params: { generation: 1, attempt: 1 } }]);
    const [authenticated, done] = step(verifying, { type: 'password.matched', generation: 1, rehash: false, userStatus: 'Active', at: T0 + MINUTE });
    expect(stateOf(authenticated)).toBe('active.authenticated');
    expect(authenticated.context.attempts).toBe(0);
    expect(effects(done)).toEqual(RECORD);
    // A hash made with older parameters is stored again under the current ones.
    expect(effects(step(verifying, { type: 'password.matched', generation: 1, rehash: true, userStatus: 'Active', at: T0 + MINUTE })[1])).toEqual([
      { type: 'storeRehash', params: undefined },
      ...RECORD,
    ]);
  });

  it('a resource the app does not list refuses the login before anything is counted, locked or not (issue 16)', () => {
    const other = { resource: 'https://elsewhere.example', allowedResources: ['https://api.example'] };
    const [refused, actions] = step(start(), submit(T0 + MINUTE, { ...other, session: 'refused' }));
    expect(stateOf(refused)).toBe('active.resourceRefused');
    expect(refused.context).toMatchObject({ attempts: 0, submitted: 0 });
    expect(effects(actions)).toEqual([]);
    const locked = wrong(start(), POLICY.maxFailures);
    expect(stateOf(locked)).toBe('locked.holding');
    expect(stateOf(step(locked, submit(T0 + 2 * MINUTE, other))[0])).toBe('locked.resourceRefused');
    // A listed resource, or none, is no refusal; a login logged before the resource was handed in asked for none.
    expect(stateOf(step(start(), submit(T0 + MINUTE, { ...other, resource: 'https://api.example' }))[0])).toBe('active.verifying');
    const { resource: _r, allowedResources: _a, ...older } = submit(T0 + MINUTE) as Extract<PasswordEvent, { type: 'password.submit' }>;
    expect(stateOf(transition(passwordMachine, start(), older as PasswordEvent)[0])).toBe('active.verifying');
  });

  it('a wrong password is refused; the maxFailures-th locks for suspensionMs, then a login may try again', () => {
    const four = wrong(start(), 4);
    expect(stateOf(four)).toBe('active.wrongPassword');
    expect(four.context.attempts).toBe(4);
    expect(passwordAnswers['active.wrongPassword']).toEqual({ kind: 'refused', error: 'PASSWORD_INVALID_CREDENTIALS' });
    const locked = wrong(four, 1);
    expect(stateOf(locked)).toBe('locked.holding');
    expect(locked.context.lockedUntil).toBe(T0 + MINUTE + 15 * MINUTE);
    // While locked nothing is compared, even the right password.
    const [refusing, none] = step(locked, submit(T0 + 10 * MINUTE));
    expect(stateOf(refusing)).toBe('locked.refusing');
    expect(effects(none)).toEqual([]);
    const [again, compare] = step(locked, submit(T0 + 16 * MINUTE));
    expect(stateOf(again)).toBe('active.verifying');
    expect(again.context.attempts).toBe(1);
    expect(effects(compare)).toEqual([{ type: 'comparePassword', params: { generation: 1, attempt: 6 } }]);
  });

  it('compares no more than maxFailures passwords however many arrive before their verdicts', () => {
    let current = start();
    let comparisons = 0;
    for (let i = 0; i < 1000; i++) {
      const [next, actions] = step(current, submit(T0 + MINUTE));
      comparisons += effects(actions).filter((effect) => effect.type === 'comparePassword').length;
      current = next;
    }
    expect(comparisons).toBe(POLICY.maxFailures);
    expect(stateOf(current)).toBe('locked.refusing');
  });

  it('failures older than failuresExpireMs stop counting', () => {
    const four = wrong(start(), 4, T0);
    const [verifying] = step(four, submit(T0 + 15 * MINUTE));
    expect(verifying.context.attempts).toBe(1);
    const [stillCounting] = step(four, submit(T0 + 15 * MINUTE - 1));
    expect(stillCounting.context.attempts).toBe(5);
  });

  it("a disabled user's right password logs nobody in (USER_NOT_ACTIVE) and, no guess, clears the failures; a temporary one still answers as such", () => {
    const twice = step(wrong(start(), 2, T0), submit(T0 + MINUTE))[0];
    const [disabled, none] = step(twice, { type: 'password.matched', generation: 1, attempt: 3, rehash: false, userStatus: 'Disabled', at: T0 + MINUTE });
    expect(stateOf(disabled)).toBe('active.userDisabled');
    expect(disabled.context.attempts).toBe(0);
    expect(effects(none)).toEqual([]);
    expect(passwordAnswers['active.userDisabled']).toEqual({ kind: 'refused', error: 'USER_NOT_ACTIVE' });
    const temporary = step(start({ temporary: true }), submit(T0 + MINUTE))[0];
    expect(stateOf(step(temporary, { type: 'password.matched', generation: 1, rehash: false, userStatus: 'Disabled', at: T0 + MINUTE })[0])).toBe('active.mustReplace.temporary');
    // A verdict logged before version 3 (no status) logged the user in, and replays so.
    const old = { type: 'password.matched', generation: 1, attempt: 1, rehash: false, at: T0 + MINUTE } as unknown as PasswordEvent;
    expect(stateOf(step(step(start(), submit(T0 + MINUTE))[0], old)[0])).toBe('active.authenticated');
  });

  it('a temporary or expired password logs nobody in: it must be replaced (403)', () => {
    const [temporary, none] = step(step(start({ temporary: true }), submit(T0 + MINUTE))[0], { type: 'password.matched', generation: 1, rehash: false, userStatus: 'Active', at: T0 + MINUTE });
    expect(stateOf(temporary)).toBe('active.mustReplace.temporary');
    expect(effects(none)).toEqual([]);
    expect(passwordAnswers['active.mustReplace.temporary']).toEqual({ kind: 'refused', error: 'PASSWORD_TEMPORARY' });
    const at = T0 + 90 * DAY;
    const [expired] = step(step(start(), submit(at))[0], { type: 'password.matched', generation: 1, rehash: false, userStatus: 'Active', at });
    expect(stateOf(expired)).toBe('active.mustReplace.expired');
    // Without an expiry in the policy a password does not expire.
    const noExpiry = { ...POLICY, expiresAfterMs: null };
    expect(stateOf(step(step(start(), submit(at, { policy: noExpiry }))[0], { type: 'password.matched', generation: 1, rehash: false, userStatus: 'Active', at })[0])).toBe('active.authenticated');
    // A temporary password past tempPasswordValidityHours answers as expired.
    const oneHour = { ...POLICY, temporaryValidityMs: 60 * MINUTE };
    const late = T0 + 60 * MINUTE;
    expect(stateOf(step(step(start({ temporary: true }), submit(late, { policy: oneHour }))[0], { type: 'password.matched', generation: 1, rehash: false, userStatus: 'Active', at: late })[0])).toBe(
      'active.mustReplace.expired',
    );
    expect(
      stateOf(step(step(start({ temporary: true }), submit(late - 1, { policy: oneHour }))[0], { type: 'password.matched', generation: 1, rehash: false, userStatus: 'Active', at: late - 1 })[0]),
    ).toBe('active.mustReplace.temporary');
  });

  it('a verdict that finds the password replaced or locked authenticates nothing', () => {
    const [verifying] = step(start(), submit(T0 + MINUTE));
    const [replaced] = step(verifying, { type: 'password.replace', temporary: true, at: T0 + MINUTE });
    // The old password's comparison, arriving after the replacement, logs nobody in, and is not
    // told the new password is temporary: its login answers as a wrong password.
    const [after, none] = step(replaced, { type: 'password.matched', generation: 1, attempt: 1, rehash: false, userStatus: 'Active', at: T0 + MINUTE });
    expect(stateOf(after)).toBe('active.replacedMeanwhile');
    expect(effects(none)).toEqual([]);
    expect(passwordAnswers['active.replacedMeanwhile']).toEqual({ kind: 'refused', error: 'PASSWORD_INVALID_CREDENTIALS' });
    const locked = wrong(start(), 5);
    expect(stateOf(step(locked, { type: 'password.matched', generation: 1, rehash: false, userStatus: 'Active', at: T0 + MINUTE })[0])).toBe('locked.holding');
  });

  it('nothing leaves the lock while it is in force: a login naming a refused session stays locked, and the count starts again after it', () => {
    // Three attempts counted; the first (the right password) is still being compared when the two
    // wrong ones lock the password (maxFailures 3).
    const policy = { ...POLICY, maxFailures: 3 };
    let current = start();
    for (let i = 0; i < 3; i++) current = step(current, submit(T0 + MINUTE, { policy }))[0];
    current = step(current, { type: 'password.mismatched', generation: 1, attempt: 3, at: T0 + MINUTE })[0];
    expect(stateOf(current)).toBe('locked.holding');
    const [refused, none] = step(current, submit(T0 + 2 * MINUTE, { policy, session: 'refused' }));
    expect(stateOf(refused)).toBe('locked.sessionRefused');
    expect(effects(none)).toEqual([]);
    expect(passwordAnswers['locked.sessionRefused']).toEqual({ kind: 'refused', error: 'SESSION_NOT_FOUND' });
    // The right password's verdict comes back during the lock: set aside.
    const [stillLocked, nothing] = step(refused, { type: 'password.matched', generation: 1, attempt: 1, rehash: false, userStatus: 'Active', at: T0 + 3 * MINUTE });
    expect(stateOf(stillLocked)).toBe('locked.holding');
    expect(effects(nothing)).toEqual([]);
    // After the lock a login is compared, its count starting again.
    const [again] = step(stillLocked, submit(T0 + 17 * MINUTE, { policy }));
    expect(stateOf(again)).toBe('active.verifying');
    expect(again.context.attempts).toBe(1);
  });

  it('the right password clears the failures counted before it, not the guesses counted while it was compared', () => {
    let current = wrong(start(), 2);
    current = step(current, submit(T0 + MINUTE))[0]; // the user's own, attempt 3
    current = step(current, submit(T0 + MINUTE))[0]; // a guess, attempt 4
    current = step(current, submit(T0 + MINUTE))[0]; // a guess, attempt 5
    expect(current.context.attempts).toBe(5);
    const [authenticated] = step(current, { type: 'password.matched', generation: 1, attempt: 3, rehash: false, userStatus: 'Active', at: T0 + MINUTE });
    expect(stateOf(authenticated)).toBe('active.authenticated');
    expect(authenticated.context.attempts).toBe(2);
  });

  it("each attempt gets its own verdict: a wrong guess sent at the same moment does not spoil the right password's login", () => {
    const [first] = step(start(), submit(T0 + MINUTE));
    const [second] = step(first, submit(T0 + MINUTE));
    expect(second.context.attempts).toBe(2);
    const [afterWrong] = step(second, { type: 'password.mismatched', generation: 1, at: T0 + MINUTE });
    expect(stateOf(afterWrong)).toBe('active.wrongPassword');
    const [afterRight, actions] = step(afterWrong, { type: 'password.matched', generation: 1, rehash: false, userStatus: 'Active', at: T0 + MINUTE });
    expect(stateOf(afterRight)).toBe('active.authenticated');
    expect(effects(actions)).toEqual(RECORD);
    // Two right passwords at once: each login is recorded (the state entered again).
    expect(effects(step(afterRight, { type: 'password.matched', generation: 1, rehash: false, userStatus: 'Active', at: T0 + MINUTE })[1])).toEqual(RECORD);
  });

  it('a verdict about a replaced password never logs in, reports its state or stores its hash, even once a new attempt is under way', async () => {
    // A login with the (temporary) password is counted; an admin replaces the password; another
    // login is counted; then the first login's comparison comes back: matched, wanting a rehash.
    const [first, compareFirst] = step(start({ temporary: true }), submit(T0 + MINUTE));
    expect(effects(compareFirst)).toEqual([{ type: 'comparePassword', params: { generation: 1, attempt: 1 } }]);
    const [replaced] = step(first, { type: 'password.replace', temporary: false, at: T0 + 2 * MINUTE });
    expect(replaced.context.generation).toBe(2);
    const [second, compareSecond] = step(replaced, submit(T0 + 3 * MINUTE));
    expect(effects(compareSecond)).toEqual([{ type: 'comparePassword', params: { generation: 2, attempt: 2 } }]);
    const [stale, none] = step(second, { type: 'password.matched', generation: 1, attempt: 1, rehash: true, userStatus: 'Active', at: T0 + 3 * MINUTE });
    expect(stateOf(stale)).toBe('active.replacedMeanwhile');
    expect(effects(none)).toEqual([]);
    expect(stale.context).toEqual(second.context);
    expect(stateOf(step(second, { type: 'password.mismatched', generation: 1, attempt: 1, at: T0 + 3 * MINUTE })[0])).toBe('active.replacedMeanwhile');
    // The second login's own verdict still counts.
    expect(stateOf(step(stale, { type: 'password.matched', generation: 2, attempt: 2, rehash: false, userStatus: 'Active', at: T0 + 3 * MINUTE })[0])).toBe('active.authenticated');
    expect(passwordAnswers['active.verifying']).toEqual({ kind: 'refused', error: 'PASSWORD_INVALID_CREDENTIALS' });
  });

  it('a session that cannot take the factor refuses the login before anything is counted', () => {
    const [refused, actions] = step(start(), submit(T0 + MINUTE, { session: 'refused' }));
    expect(stateOf(refused)).toBe('active.sessionRefused');
    expect(refused.context.attempts).toBe(0);
    expect(effects(actions)).toEqual([]);
  });

  it('a replacement sets the password and clears failures and lockout, from any state', () => {
    const locked = wrong(start(), 5);
    const [replaced, actions] = step(locked, { type: 'password.replace', temporary: false, at: T0 + 2 * MINUTE });
    expect(stateOf(replaced)).toBe('active.ready');
    expect(replaced.context).toMatchObject({ setAt: T0 + 2 * MINUTE, temporary: false, attempts: 0, lockedUntil: null });
    expect(effects(actions)).toEqual([{ type: 'storeSecret', params: undefined }]);
  });

  // Issue 15: stand-ins (passwords nobody holds) are forgotten once they answer as a new one would.
  it('settles once no lock is in force and no failure still counts', () => {
    expect(passwordSettlesAt(start().context)).toBe(T0);
    const twice = wrong(start(), 2);
    expect(passwordSettlesAt(twice.context)).toBe(T0 + 16 * MINUTE);
    // At that moment a login is counted as the first of a new count, as on a new password.
    const [fresh] = step(twice, submit(T0 + 16 * MINUTE));
    expect(fresh.context.attempts).toBe(1);
    const locked = wrong(start(), 5, T0 + 2 * MINUTE);
    expect(stateOf(locked)).toBe('locked.holding');
    expect(passwordSettlesAt(locked.context)).toBe(T0 + 17 * MINUTE);
    expect(passwordSettlesAt(wrong(start(), 1, T0 + 2 * MINUTE).context)).toBe(T0 + 17 * MINUTE);
  });
});
