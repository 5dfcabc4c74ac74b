import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { passkeyAnswers } from '../../machines/passkey.answers.js';
import type { PasskeyInput } from '../../machines/passkey.context.js';
import { isCounterRegressed, type PasskeyEvent, passkeyMachine } from '../../machines/passkey.machine.js';
import { stateValueToString } from '../../machines/shared/state-value.js';
import { leafStates } from '../../src/engine/effect-check.js';
import { effectsOf as effects } from '../helpers/machine-effects.js';

// The passkey statechart (issue 18 §3), transition by transition, with explicit event times: the
// refusals before the counter, the counter rule (a possible clone), suspension and revocation.

const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);
const MINUTE = 60_000;
const input: PasskeyInput = { userId: 'user-1', registeredAt: T0, userStatus: 'Active', counter: 0, webauthnUsername: 'alice' };
type Snapshot = ReturnType<typeof passkeyMachine.resolveState>;
const stateOf = (snapshot: { value: unknown }) => stateValueToString(snapshot.value);
const step = (snapshot: Snapshot, event: PasskeyEvent) => transition(passkeyMachine, snapshot, event);
const assert = (at: number, counter: number, extra: Partial<PasskeyEvent> = {}): PasskeyEvent =>
  ({ type: 'passkey.assert', at, counter, session: null, userStatus: 'Active', resource: null, allowedResources: ['https://api.example'], ...extra }) as PasskeyEvent;
const start = (counter = 0) => initialTransition(passkeyMachine, { ...input, counter })[0];
const RECORD = [{ type: 'recordAuthentication', params: { method: 'webauthn', verifies: null } }];

describe('passkey machine', () => {
  it('a disabled user registers no passkey (refusedRegistration, USER_NOT_ACTIVE); an active one is ready', () => {
    const [refused, actions] = initialTransition(passkeyMachine, { ...input, userStatus: 'Disabled' });
    expect(stateOf(refused)).toBe('refusedRegistration');
    expect(effects(actions)).toEqual([]);
    expect(passkeyAnswers.refusedRegistration).toEqual({ kind: 'refused', error: 'USER_NOT_ACTIVE' });
    const ready = start();
    expect(stateOf(ready)).toBe('active.ready');
    expect(ready.context).toEqual({ ...input, lastUsedAt: null, suspectedAt: null });
    expect(passkeyAnswers['active.ready']).toEqual({ kind: 'ok' });
  });

  it('counters that stay 0 (an authenticator that keeps none) log in every time, each login recorded', () => {
    const [first, recorded] = step(start(), assert(T0 + MINUTE, 0));
    expect(stateOf(first)).toBe('active.authenticated');
    expect(effects(recorded)).toEqual(RECORD);
    expect(first.context).toMatchObject({ counter: 0, lastUsedAt: T0 + MINUTE, suspectedAt: null });
    const [second, again] = step(first, assert(T0 + 2 * MINUTE, 0));
    expect(stateOf(second)).toBe('active.authenticated');
    // Re-entered: the second login is recorded too.
    expect(effects(again)).toEqual(RECORD);
    expect(second.context).toMatchObject({ counter: 0, lastUsedAt: T0 + 2 * MINUTE });
    expect(passkeyAnswers['active.authenticated']).toEqual({ kind: 'ok' });
  });

  it('a counter that moves forward logs in and is kept (5 → 6), from 0 too (0 → 1)', () => {
    const [moved, recorded] = step(start(5), assert(T0 + MINUTE, 6));
    expect(stateOf(moved)).toBe('active.authenticated');
    expect(moved.context.counter).toBe(6);
    expect(effects(recorded)).toEqual(RECORD);
    expect(step(start(0), assert(T0 + MINUTE, 1))[0].context.counter).toBe(1);
  });

  it.each([
    ['the same counter again', 5, 5],
    ['a counter rewound', 5, 3],
    ['a counter back to 0', 5, 0],
    ['a counter that stopped after counting', 1, 0],
  ])('%s (%i → %i) is a possible clone: suspended, nothing recorded, the stored counter kept', (_name, stored, presented) => {
    const [suspected, actions] = step(start(stored), assert(T0 + MINUTE, presented));
    expect(stateOf(suspected)).toBe('suspended.cloneSuspected');
    expect(effects(actions)).toEqual([]);
    expect(suspected.context).toMatchObject({ counter: stored, suspectedAt: T0 + MINUTE, lastUsedAt: null });
    expect(passkeyAnswers['suspended.cloneSuspected']).toEqual({ kind: 'refused', error: 'WEBAUTHN_CLONE_SUSPECTED' });
  });

  it('the counter rule, alone', () => {
    expect(isCounterRegressed(0, 0)).toBe(false);
    expect(isCounterRegressed(0, 1)).toBe(false);
    expect(isCounterRegressed(5, 6)).toBe(false);
    expect(isCounterRegressed(5, 5)).toBe(true);
    expect(isCounterRegressed(5, 3)).toBe(true);
    expect(isCounterRegressed(5, 0)).toBe(true);
  });

  it('a suspended passkey refuses every later login, the genuine one (a higher counter) too; only revocation leaves', () => {
    const [suspected] = step(start(5), assert(T0 + MINUTE, 3));
    const [refusing, none] = step(suspected, assert(T0 + 2 * MINUTE, 100));
    expect(stateOf(refusing)).toBe('suspended.refusing');
    expect(effects(none)).toEqual([]);
    expect(refusing.context).toMatchObject({ counter: 5, suspectedAt: T0 + MINUTE });
    expect(stateOf(step(refusing, assert(T0 + 3 * MINUTE, 101))[0])).toBe('suspended.refusing');
    expect(passkeyAnswers['suspended.refusing']).toEqual({ kind: 'refused', error: 'WEBAUTHN_CLONE_SUSPECTED' });
    const [revoked, forgotten] = step(refusing, { type: 'passkey.revoke', at: T0 + 4 * MINUTE });
    expect(stateOf(revoked)).toBe('revoked.done');
    expect(effects(forgotten)).toEqual([{ type: 'forgetPublicKey', params: undefined }]);
  });

  it.each([
    ['a resource the app does not list', { resource: 'https://elsewhere.example' }, 'active.resourceRefused', 'RESOURCE_NOT_ALLOWED'],
    ['a session that cannot take the factor', { session: 'refused' }, 'active.sessionRefused', 'SESSION_NOT_FOUND'],
    ['a user disabled meanwhile', { userStatus: 'Disabled' }, 'active.userDisabled', 'USER_NOT_ACTIVE'],
  ] as const)('%s refuses the login before the counter is judged, and leaves it as it was', (_name, extra, state, error) => {
    // A counter that went backwards: not judged, since the login is refused anyway.
    const [refused, actions] = step(start(5), assert(T0 + MINUTE, 3, extra));
    expect(stateOf(refused)).toBe(state);
    expect(effects(actions)).toEqual([]);
    expect(refused.context).toMatchObject({ counter: 5, lastUsedAt: null, suspectedAt: null });
    expect(passkeyAnswers[state]).toEqual({ kind: 'refused', error });
    // The next login with a counter ahead goes through.
    expect(stateOf(step(refused, assert(T0 + 2 * MINUTE, 6))[0])).toBe('active.authenticated');
  });

  it('refusals are judged in order: resource, then session, then user', () => {
    const all = { resource: 'https://elsewhere.example', session: 'refused', userStatus: 'Disabled' } as const;
    expect(stateOf(step(start(), assert(T0 + MINUTE, 1, all))[0])).toBe('active.resourceRefused');
    expect(stateOf(step(start(), assert(T0 + MINUTE, 1, { ...all, resource: null }))[0])).toBe('active.sessionRefused');
  });

  it('a revoked passkey forgets its public key and refuses every login', () => {
    const [used] = step(start(), assert(T0 + MINUTE, 0));
    const [revoked, forgotten] = step(used, { type: 'passkey.revoke', at: T0 + 2 * MINUTE });
    expect(stateOf(revoked)).toBe('revoked.done');
    expect(effects(forgotten)).toEqual([{ type: 'forgetPublicKey', params: undefined }]);
    expect(passkeyAnswers['revoked.done']).toEqual({ kind: 'ok' });
    const [refused, none] = step(revoked, assert(T0 + 3 * MINUTE, 1));
    expect(stateOf(refused)).toBe('revoked.refused');
    expect(effects(none)).toEqual([]);
    expect(stateOf(step(refused, assert(T0 + 4 * MINUTE, 2))[0])).toBe('revoked.refused');
    expect(passkeyAnswers['revoked.refused']).toEqual({ kind: 'refused', error: 'WEBAUTHN_CREDENTIAL_NOT_FOUND' });
  });

  it('answers every state an instance can rest in, and nothing else', () => {
    expect(Object.keys(passkeyAnswers).sort()).toEqual(leafStates(passkeyMachine).sort());
  });
});
