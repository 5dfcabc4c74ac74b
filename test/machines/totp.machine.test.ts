import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { totpAnswers } from '../../machines/totp.answers.js';
import { type TotpEvent, totpMachine, totpSettlesAt } from '../../machines/totp.machine.js';
import type { TotpInput, TotpPolicy } from '../../machines/totp.context.js';
import { stateValueToString } from '../../machines/shared/state-value.js';
import { effectsOf as effects } from '../helpers/machine-effects.js';

// The authenticator-app statechart (issue 11), transition by transition, with explicit event times.

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const MINUTE = 60_000;
const POLICY: TotpPolicy = { maxFailures: 3, lockoutMs: 15 * MINUTE, window: 1 };
const input: TotpInput = { userId: 'user-1', registeredAt: T0, userStatus: 'Active' };
type Snapshot = ReturnType<typeof totpMachine.resolveState>;
const stateOf = (snapshot: { value: unknown }) => stateValueToString(snapshot.value);
const step = (snapshot: Snapshot, event: TotpEvent) => transition(totpMachine, snapshot, event);
const submit = (at: number, session: 'refused' | null = null): TotpEvent => ({ type: 'totp.submit', at, session, policy: POLICY, resource: null, allowedResources: [], userStatus: 'Active' });
const start = () => initialTransition(totpMachine, input)[0];
const matched = (snapshot: Snapshot, stepNumber: number, at = T0 + MINUTE) => step(step(snapshot, submit(at))[0], { type: 'totp.matched', step: stepNumber, at });
const mismatched = (snapshot: Snapshot, at = T0 + MINUTE, repeated = false) => step(step(snapshot, submit(at))[0], { type: 'totp.mismatched', repeated, at })[0];

describe('totp machine', () => {
  it('a disabled user registers no authenticator: the start ends in refusedRegistration (USER_NOT_ACTIVE), which takes no code', () => {
    const [refused, actions] = initialTransition(totpMachine, { ...input, userStatus: 'Disabled' });
    expect(stateValueToString(refused.value)).toBe('refusedRegistration');
    expect(effects(actions)).toEqual([]);
    expect(totpAnswers.refusedRegistration).toEqual({ kind: 'refused', error: 'USER_NOT_ACTIVE' });
    expect(stateValueToString(initialTransition(totpMachine, input)[0].value)).toBe('active.ready');
  });

  it('counts the attempt, asks for the comparison, and logs in on a code of an unspent step', () => {
    const [verifying, actions] = step(start(), submit(T0 + MINUTE));
    expect(stateOf(verifying)).toBe('active.verifying');
    expect(verifying.context.attempts).toBe(1);
    expect(effects(actions)).toEqual([{ type: 'compareTotp', params: undefined }]);
    const [authenticated, done] = step(verifying, { type: 'totp.matched', step: 100, at: T0 + MINUTE });
    expect(stateOf(authenticated)).toBe('active.authenticated');
    expect(authenticated.context).toMatchObject({ attempts: 0, lastUsedStep: 100 });
    expect(effects(done)).toEqual([{ type: 'recordAuthentication', params: { method: 'totp', verifies: null } }]);
  });

  it('a code accepted once is refused again within its window, and an earlier step too', () => {
    const [used] = matched(start(), 100);
    const [again] = matched(used, 100);
    expect(stateOf(again)).toBe('active.replayed');
    expect(totpAnswers['active.replayed']).toEqual({ kind: 'refused', error: 'OTP_INVALID_CREDENTIALS' });
    expect(stateOf(matched(used, 99)[0])).toBe('active.replayed');
    expect(stateOf(matched(used, 101)[0])).toBe('active.authenticated');
  });

  it('a resource the app does not list refuses the login before anything is counted, locked or not (issue 16)', () => {
    const other = { ...submit(T0 + MINUTE), resource: 'https://elsewhere.example', allowedResources: ['https://api.example'] } as TotpEvent;
    const [refused, actions] = step(start(), other);
    expect(stateOf(refused)).toBe('active.resourceRefused');
    expect(refused.context.attempts).toBe(0);
    expect(effects(actions)).toEqual([]);
    expect(stateOf(step(mismatched(mismatched(mismatched(start()))), other)[0])).toBe('locked.resourceRefused');
  });

  it('a user disabled meanwhile: counted and compared; a right code is refused and forgiven, its step unspent; a wrong one fails (issue 16)', () => {
    const disabled = { ...submit(T0 + MINUTE), userStatus: 'Disabled' } as TotpEvent;
    const [verifying, actions] = step(start(), disabled);
    expect(stateOf(verifying)).toBe('active.verifyingForDisabledUser');
    expect(verifying.context.attempts).toBe(1);
    expect(effects(actions)).toEqual([{ type: 'compareTotp', params: undefined }]);
    const [refused, none] = step(verifying, { type: 'totp.matched', step: 100, at: T0 + MINUTE });
    expect(stateOf(refused)).toBe('active.userDisabled');
    expect(refused.context).toMatchObject({ attempts: 0, lastUsedStep: null });
    expect(effects(none)).toEqual([]);
    expect(stateOf(step(verifying, { type: 'totp.mismatched', repeated: false, at: T0 + MINUTE })[0])).toBe('active.wrongCode');
    // Enabled again, the same step's code logs in.
    expect(stateOf(matched(refused, 100)[0])).toBe('active.authenticated');
  });

  it('the maxFailures-th failure locks; nothing is compared while locked; the admin unlock clears it', () => {
    const locked = mismatched(mismatched(mismatched(start())));
    expect(stateOf(locked)).toBe('locked.holding');
    expect(locked.context.lockedUntil).toBe(T0 + 16 * MINUTE);
    const [refusing, none] = step(locked, submit(T0 + 2 * MINUTE));
    expect(stateOf(refusing)).toBe('locked.refusing');
    expect(effects(none)).toEqual([]);
    expect(stateOf(step(locked, submit(T0 + 16 * MINUTE))[0])).toBe('active.verifying');
    const [unlocked] = step(locked, { type: 'totp.unlock', at: T0 + 3 * MINUTE });
    expect(stateOf(unlocked)).toBe('active.ready');
    expect(unlocked.context).toMatchObject({ attempts: 0, lockedUntil: null });
  });

  it('a code naming a refused session during a lock stays locked; after the lock the count starts again', () => {
    const locked = mismatched(mismatched(mismatched(start())));
    const [refused, none] = step(locked, submit(T0 + 2 * MINUTE, 'refused'));
    expect(stateOf(refused)).toBe('locked.sessionRefused');
    expect(effects(none)).toEqual([]);
    expect(totpAnswers['locked.sessionRefused']).toEqual({ kind: 'refused', error: 'SESSION_NOT_FOUND' });
    // Once the lock is over a code is compared again, its count starting at one (not locked anew).
    const [again, compare] = step(refused, submit(T0 + 17 * MINUTE));
    expect(stateOf(again)).toBe('active.verifying');
    expect(again.context.attempts).toBe(1);
    expect(effects(compare)).toEqual([{ type: 'compareTotp', params: undefined }]);
  });

  it('compares no more than maxFailures codes however many arrive before their verdicts', () => {
    let current = start();
    let comparisons = 0;
    for (let i = 0; i < 100; i++) {
      const [next, actions] = step(current, submit(T0 + MINUTE));
      comparisons += effects(actions).length;
      current = next;
    }
    expect(comparisons).toBe(POLICY.maxFailures);
  });

  it('a session that cannot take the factor refuses the code before anything is counted; a revoked authenticator refuses every code', () => {
    const [refused, actions] = step(start(), submit(T0 + MINUTE, 'refused'));
    expect(stateOf(refused)).toBe('active.sessionRefused');
    expect(refused.context.attempts).toBe(0);
    expect(effects(actions)).toEqual([]);
    const [revoked] = step(start(), { type: 'totp.revoke', at: T0 + MINUTE });
    expect(stateOf(revoked)).toBe('revoked.done');
    expect(stateOf(step(revoked, submit(T0 + 2 * MINUTE))[0])).toBe('revoked.refused');
  });

  // Issue 15, point 7: one code sent 20 times at once is one success or one failure, not a lockout.
  it('a replayed code is refused and not counted: twenty copies of an accepted code never lock', () => {
    let current = matched(start(), 100)[0];
    for (let copy = 0; copy < 20; copy++) {
      current = matched(current, 100)[0];
      expect(stateOf(current)).toBe('active.replayed');
      expect(current.context.attempts).toBe(0);
    }
    // Counted failures stay counted: a replay neither adds to them nor clears them.
    const failed = mismatched(mismatched(current));
    expect(stateOf(matched(failed, 100)[0])).toBe('active.replayed');
    expect(matched(failed, 100)[0].context.attempts).toBe(2);
    expect(stateOf(mismatched(matched(failed, 100)[0]))).toBe('locked.holding');
  });

  it('the same wrong code again within its time step is not counted: twenty copies are one failure', () => {
    let current = mismatched(start());
    expect(current.context).toMatchObject({ attempts: 1, lastFailureAt: T0 + MINUTE });
    for (let copy = 0; copy < 19; copy++) {
      current = mismatched(current, T0 + MINUTE, true);
      expect(stateOf(current)).toBe('active.sameWrongCode');
    }
    expect(current.context.attempts).toBe(1);
    expect(totpAnswers['active.sameWrongCode']).toEqual({ kind: 'refused', error: 'OTP_INVALID_CREDENTIALS' });
    // New wrong codes still count, up to the lock.
    expect(stateOf(mismatched(mismatched(current)))).toBe('locked.holding');
  });

  it('failures lapse lockoutMs after the latest one; a stand-in settles when no lock or failure is left', () => {
    const twice = mismatched(mismatched(start()));
    expect(totpSettlesAt(twice.context)).toBe(T0 + 16 * MINUTE);
    // Just before the lapse a third failure locks; at the lapse the count starts again.
    expect(stateOf(mismatched(twice, T0 + 16 * MINUTE - 1))).toBe('locked.holding');
    const lapsed = mismatched(twice, T0 + 16 * MINUTE);
    expect(stateOf(lapsed)).toBe('active.wrongCode');
    expect(lapsed.context.attempts).toBe(1);
    const locked = mismatched(twice, T0 + 2 * MINUTE);
    expect(totpSettlesAt(locked.context)).toBe(T0 + 17 * MINUTE);
    expect(totpSettlesAt(start().context)).toBe(T0);
    expect(totpSettlesAt(matched(twice, 100)[0].context)).toBe(T0 + MINUTE);
  });
});
