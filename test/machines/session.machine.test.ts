import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { meetsMfaPolicy, type SessionEvent, sessionMachine } from '../../machines/session.machine.js';
import type { SessionContext, SessionInput } from '../../machines/session.context.js';
import { stateValueToString } from '../../machines/shared/state-value.js';
import { effectsOf as effects } from '../helpers/machine-effects.js';

// The session statechart, the one judge of sessions, driven with explicit event times: expiry is
// data (every event is judged against `expiresAt` with the time it carries), so no clock appears.

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const TTL = 14 * DAY;
const input: SessionInput = { tenantId: 'tenant-1', userId: 'user-1', method: 'eml', at: T0, ttlMs: TTL };
type Snapshot = ReturnType<typeof sessionMachine.resolveState>;

const authenticate = (method: string, at: number, userId = 'user-1'): SessionEvent => ({ type: 'session.authenticate', userId, method, at });
const silent = (at: number, mfa: { required: boolean; methods?: string[] } | null = null, facts: Partial<{ userStatus: 'Active' | 'Disabled'; resource: string | null }> = {}): SessionEvent => ({
  type: 'session.silentAuthenticate',
  mfa,
  userStatus: 'Active',
  resource: null,
  allowedResources: ['https://api.example'],
  ...facts,
  at,
});
const check = (at: number, recent: { method: string; withinMs: number } | null = null, userId = 'user-1'): SessionEvent => ({ type: 'session.check', userId, recent, at });
const logout = (at: number): SessionEvent => ({ type: 'session.logout', at });
const revoke = (at: number): SessionEvent => ({ type: 'session.revoke', at });
const stateOf = (snapshot: { value: unknown }) => stateValueToString(snapshot.value);
const step = (snapshot: Snapshot, event: SessionEvent) => transition(sessionMachine, snapshot, event);
const opened = () => initialTransition(sessionMachine, input)[0];

describe('session machine', () => {
  it('opens live with the opening method, authTime = at and expiresAt = at + ttl', () => {
    const [snapshot, actions] = initialTransition(sessionMachine, input);
    expect(stateOf(snapshot)).toBe('active.live');
    expect(snapshot.context).toEqual<SessionContext>({ tenantId: 'tenant-1', userId: 'user-1', methods: ['eml'], authTime: T0, expiresAt: T0 + TTL, ttlMs: TTL, stepUpRequired: false });
    expect(effects(actions)).toEqual([]);
  });

  it('a factor of the same user adds its method once, moves authTime and slides the expiry', () => {
    const [second] = step(opened(), authenticate('sms', T0 + DAY));
    expect(stateOf(second)).toBe('active.live');
    expect(second.context).toMatchObject({ methods: ['eml', 'sms'], authTime: T0 + DAY, expiresAt: T0 + DAY + TTL });
    const [again] = step(second, authenticate('eml', T0 + 2 * DAY));
    expect(again.context.methods).toEqual(['eml', 'sms']);
  });

  it("silent authentication of a disabled user's session is refused, the session unchanged, and passes once the user is enabled", () => {
    const [disabled, actions] = step(opened(), silent(T0 + DAY, null, { userStatus: 'Disabled' }));
    expect(stateOf(disabled)).toBe('active.userDisabled');
    expect(disabled.context).toEqual(opened().context);
    expect(effects(actions)).toEqual([]);
    expect(stateOf(step(disabled, silent(T0 + DAY))[0])).toBe('active.live');
    // A session past its expiry is not found, whoever its user is.
    expect(stateOf(step(opened(), silent(T0 + 30 * DAY, null, { userStatus: 'Disabled' }))[0])).toBe('expired.lapsed');
  });

  it('silent authentication for a resource the app does not list is refused first, whatever the session', () => {
    const elsewhere = { resource: 'https://elsewhere.example' };
    const [refused] = step(opened(), silent(T0 + DAY, null, elsewhere));
    expect(stateOf(refused)).toBe('active.resourceRefused');
    expect(refused.context).toEqual(opened().context);
    expect(stateOf(step(opened(), silent(T0 + DAY, null, { resource: 'https://api.example' }))[0])).toBe('active.live');
    expect(stateOf(step(opened(), silent(T0 + DAY, null, { ...elsewhere, userStatus: 'Disabled' }))[0])).toBe('active.resourceRefused');
    expect(stateOf(step(opened(), silent(T0 + 30 * DAY, null, elsewhere))[0])).toBe('active.resourceRefused');
    const [expired] = step(opened(), check(T0 + 30 * DAY));
    expect(stateOf(step(expired, silent(T0 + 30 * DAY, null, elsewhere))[0])).toBe('expired.resourceRefused');
    const [ended] = step(opened(), logout(T0 + DAY));
    expect(stateOf(step(ended, silent(T0 + DAY, null, elsewhere))[0])).toBe('terminated.resourceRefused');
  });

  it('a silent authentication logged before version 3 (no status, no resource) replays as it was judged', () => {
    const old = { type: 'session.silentAuthenticate', mfa: null, at: T0 + DAY } as unknown as SessionEvent;
    expect(stateOf(step(opened(), old)[0])).toBe('active.live');
  });

  it('a factor proven for another user is refused; the session is otherwise unchanged', () => {
    const [refused, actions] = step(opened(), authenticate('sms', T0 + DAY, 'user-2'));
    expect(stateOf(refused)).toBe('active.refused');
    expect(refused.context).toEqual(opened().context);
    expect(effects(actions)).toEqual([]);
    // The next factor of the right user is taken again.
    expect(stateOf(step(refused, authenticate('sms', T0 + DAY))[0])).toBe('active.live');
  });

  it("silent authentication slides the expiry and judges the app policy (the tokens are the post-login step's)", () => {
    const [snapshot, actions] = step(opened(), silent(T0 + DAY, { required: true }));
    expect(stateOf(snapshot)).toBe('active.live');
    expect(snapshot.context).toMatchObject({ expiresAt: T0 + DAY + TTL, authTime: T0, stepUpRequired: true });
    expect(effects(actions)).toEqual([]);
    const [multi] = step(opened(), authenticate('sms', T0 + MINUTE));
    expect(step(multi, silent(T0 + DAY, { required: true }))[0].context.stepUpRequired).toBe(false);
    // Sliding: a session used every 13 days lives on.
    let live = opened();
    for (let day = 13; day <= 52; day += 13) live = step(live, silent(T0 + day * DAY))[0];
    expect(stateOf(live)).toBe('active.live');
  });

  it('anything at or after expiresAt finds it expired; one millisecond before is still in time', () => {
    expect(stateOf(step(opened(), silent(T0 + TTL - 1))[0])).toBe('active.live');
    for (const event of [authenticate('sms', T0 + TTL), silent(T0 + TTL)]) {
      const [snapshot] = step(opened(), event);
      expect(stateOf(snapshot)).toBe('expired.lapsed');
      expect(snapshot.context).toEqual(opened().context);
    }
    // A logout after expiry is "Session not found": natural expiry keeps refresh tokens working.
    expect(stateOf(step(opened(), logout(T0 + TTL))[0])).toBe('expired.refused');
  });

  it('an expired session accepts nothing but revocation', () => {
    const [expired] = step(opened(), silent(T0 + TTL));
    for (const event of [authenticate('sms', T0 + TTL + 1), silent(T0 + TTL + 1), logout(T0 + TTL + 1)]) {
      expect(stateOf(step(expired, event)[0])).toBe('expired.refused');
    }
    expect(stateOf(step(expired, revoke(T0 + TTL + 1))[0])).toBe('terminated.revoked');
  });

  it('logout and revoke end a live session for good; everything after is refused', () => {
    const [loggedOut] = step(opened(), logout(T0 + DAY));
    expect(stateOf(loggedOut)).toBe('terminated.loggedOut');
    const [revoked] = step(opened(), revoke(T0 + DAY));
    expect(stateOf(revoked)).toBe('terminated.revoked');
    for (const ended of [loggedOut, revoked]) {
      for (const event of [authenticate('sms', T0 + 2 * DAY), silent(T0 + 2 * DAY), logout(T0 + 2 * DAY), revoke(T0 + 2 * DAY)]) {
        const [after] = step(ended, event);
        expect(stateOf(after)).toBe('terminated.refused');
        expect(after.context).toEqual(ended.context);
      }
    }
  });

  it('a presented user token: the session stands while live and of the token’s user; ended or expired, it does not', () => {
    const [live, actions] = step(opened(), check(T0 + DAY));
    expect(stateOf(live)).toBe('active.live');
    expect(live.context).toEqual(opened().context);
    expect(effects(actions)).toEqual([]);
    // A session refused a factor a moment ago still stands for its own tokens.
    const [refusedOnce] = step(opened(), authenticate('sms', T0 + MINUTE, 'user-2'));
    expect(stateOf(step(refusedOnce, check(T0 + DAY))[0])).toBe('active.live');
    expect(stateOf(step(opened(), check(T0 + DAY, null, 'user-2'))[0])).toBe('active.refused');
    expect(stateOf(step(opened(), check(T0 + TTL))[0])).toBe('expired.lapsed');
    const [expired] = step(opened(), silent(T0 + TTL));
    expect(stateOf(step(expired, check(T0 + TTL + 1))[0])).toBe('expired.refused');
    for (const ended of [step(opened(), logout(T0 + MINUTE))[0], step(opened(), revoke(T0 + MINUTE))[0]]) {
      expect(stateOf(step(ended, check(T0 + 2 * MINUTE))[0])).toBe('terminated.refused');
    }
  });

  it('replacing a factor: the session must hold the method and have authenticated within the window', () => {
    const recent = { method: 'totp', withinMs: 10 * MINUTE };
    // Opened by another method: however fresh, it never proved this one.
    expect(stateOf(step(opened(), check(T0 + MINUTE, recent))[0])).toBe('active.refused');
    const [withTotp] = step(opened(), authenticate('totp', T0 + DAY));
    expect(stateOf(step(withTotp, check(T0 + DAY + 10 * MINUTE, recent))[0])).toBe('active.live');
    expect(stateOf(step(withTotp, check(T0 + DAY + 10 * MINUTE + 1, recent))[0])).toBe('active.refused');
    // Silent authentication slides the expiry, but proves nothing: the proof stays as old as it was.
    const [slid] = step(withTotp, silent(T0 + DAY + 20 * MINUTE));
    expect(stateOf(step(slid, check(T0 + DAY + 21 * MINUTE, recent))[0])).toBe('active.refused');
  });

  it('restores from a state value and context with the same behaviour (how the runner stores it)', () => {
    const [expired] = step(opened(), silent(T0 + TTL));
    const restored = sessionMachine.resolveState({ value: { expired: 'lapsed' }, context: expired.context });
    expect(stateOf(step(restored, silent(T0 + TTL + 1))[0])).toBe('expired.refused');
  });
});

describe('mfa policy', () => {
  it('is met without a policy, or when the session holds two distinct methods (one of the named ones, if named)', () => {
    expect(meetsMfaPolicy(['eml'], null)).toBe(true);
    expect(meetsMfaPolicy(['eml'], { required: false })).toBe(true);
    expect(meetsMfaPolicy(['eml'], { required: true })).toBe(false);
    expect(meetsMfaPolicy(['eml', 'sms'], { required: true })).toBe(true);
    expect(meetsMfaPolicy(['eml', 'sms'], { required: true, methods: ['totp'] })).toBe(false);
    expect(meetsMfaPolicy(['eml', 'sms'], { required: true, methods: ['sms', 'totp'] })).toBe(true);
    expect(meetsMfaPolicy(['eml', 'sms'], { required: true, methods: [] })).toBe(true);
  });
});
