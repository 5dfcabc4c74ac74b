import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { type SessionContext, type SessionEvent, type SessionInput, sessionMachine } from '../../machines/session.machine.js';

// The persisted session statechart, driven with explicit event times: expiry is data (every event
// is judged against `expiresAt` with the time it carries), so no clock and no timer appear here.

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const TTL = 14 * DAY;
const input: SessionInput = { tenantId: 'tenant-1', userId: 'user-1', method: 'eml', at: T0, ttlMs: TTL };

const effects = (actions: readonly { type: string; params?: unknown }[]) =>
  actions.filter((action) => !action.type.startsWith('xstate.')).map((action) => ({ type: action.type, params: action.params }));

const authenticate = (method: string, at: number) => ({ type: 'session.authenticate', method, at }) as const;
const silent = (at: number) => ({ type: 'session.silentAuthenticate', at }) as const;
const logout = (at: number) => ({ type: 'session.logout', at }) as const;
const revoke = (at: number) => ({ type: 'session.revoke', at }) as const;

/** One event of every type the machine knows, at `at`. */
const everyEvent = (at: number): SessionEvent[] => [authenticate('sms', at), silent(at), logout(at), revoke(at)];

function opened(overrides: Partial<SessionInput> = {}) {
  return initialTransition(sessionMachine, { ...input, ...overrides })[0];
}

function expired() {
  const [snapshot] = transition(sessionMachine, opened(), silent(T0 + TTL));
  expect(snapshot.value).toBe('expired');
  return snapshot;
}

describe('session machine', () => {
  it('opens active with the opening method, authTime = at and expiresAt = at + ttl', () => {
    const [snapshot, actions] = initialTransition(sessionMachine, input);
    expect(snapshot.value).toBe('active');
    expect(snapshot.status).toBe('active');
    expect(snapshot.context).toEqual<SessionContext>({
      tenantId: 'tenant-1',
      userId: 'user-1',
      methods: ['eml'],
      authTime: T0,
      expiresAt: T0 + TTL,
      ttlMs: TTL,
      endReason: null,
    });
    expect(effects(actions)).toEqual([]);
  });

  it('session.authenticate with a new method adds it, moves authTime to the event and slides the expiry', () => {
    const at = T0 + 3 * DAY;
    const [snapshot, actions] = transition(sessionMachine, opened(), authenticate('sms', at));
    expect(snapshot.value).toBe('active');
    expect(snapshot.context).toMatchObject({ methods: ['eml', 'sms'], authTime: at, expiresAt: at + TTL, endReason: null });
    expect(effects(actions)).toEqual([]);
  });

  it('session.authenticate with a method already held does not duplicate it, but still moves authTime and the expiry', () => {
    const first = T0 + DAY;
    const second = T0 + 2 * DAY;
    let [snapshot] = transition(sessionMachine, opened(), authenticate('sms', first));
    [snapshot] = transition(sessionMachine, snapshot, authenticate('eml', second));
    expect(snapshot.value).toBe('active');
    expect(snapshot.context).toMatchObject({ methods: ['eml', 'sms'], authTime: second, expiresAt: second + TTL });
    [snapshot] = transition(sessionMachine, snapshot, authenticate('sms', second + MINUTE));
    expect(snapshot.context.methods).toEqual(['eml', 'sms']);
    expect(snapshot.context.authTime).toBe(second + MINUTE);
  });

  it('keeps methods in the order first used', () => {
    let snapshot = opened({ method: 'sms' });
    for (const [index, method] of ['totp', 'sms', 'eml', 'totp'].entries()) {
      [snapshot] = transition(sessionMachine, snapshot, authenticate(method, T0 + (index + 1) * MINUTE));
    }
    expect(snapshot.context.methods).toEqual(['sms', 'totp', 'eml']);
  });

  it('session.silentAuthenticate slides the expiry but keeps authTime and methods', () => {
    const [stepped] = transition(sessionMachine, opened(), authenticate('sms', T0 + DAY));
    const at = T0 + 10 * DAY;
    const [snapshot, actions] = transition(sessionMachine, stepped, silent(at));
    expect(snapshot.value).toBe('active');
    expect(snapshot.context).toEqual<SessionContext>({ ...stepped.context, expiresAt: at + TTL });
    expect(snapshot.context).toMatchObject({ methods: ['eml', 'sms'], authTime: T0 + DAY });
    expect(effects(actions)).toEqual([]);
  });

  it('a silent authentication keeps the session alive past the first ttl (sliding window)', () => {
    const [slid] = transition(sessionMachine, opened(), silent(T0 + TTL - 1));
    const [later] = transition(sessionMachine, slid, authenticate('sms', T0 + TTL + DAY));
    expect(later.value).toBe('active');
    expect(later.context.expiresAt).toBe(T0 + TTL + DAY + TTL);
  });

  it('one millisecond before the expiry is still in time', () => {
    for (const event of [authenticate('sms', T0 + TTL - 1), silent(T0 + TTL - 1)]) {
      expect(transition(sessionMachine, opened(), event)[0].value).toBe('active');
    }
  });

  it('any authenticate event at or after expiresAt → expired, with the context otherwise unchanged', () => {
    const start = opened();
    for (const event of [authenticate('sms', T0 + TTL), authenticate('eml', T0 + TTL + DAY), silent(T0 + TTL), silent(T0 + 30 * DAY)]) {
      const [snapshot, actions] = transition(sessionMachine, start, event);
      expect(snapshot.value).toBe('expired');
      expect(snapshot.status).toBe('active');
      expect(snapshot.context).toEqual(start.context);
      expect(effects(actions)).toEqual([]);
    }
  });

  it('expired accepts no authentication: it cannot come back to life', () => {
    const snapshot = expired();
    expect(snapshot.can(authenticate('sms', T0 + TTL + 1))).toBe(false);
    expect(snapshot.can(silent(T0 + TTL + 1))).toBe(false);
    const [same] = transition(sessionMachine, snapshot, authenticate('sms', T0 + TTL + 1));
    expect(same.value).toBe('expired');
    expect(same.context).toEqual(snapshot.context);
  });

  it('session.logout → terminated with endReason logout; session.revoke → terminated with endReason revoked', () => {
    for (const [event, endReason] of [
      [logout(T0 + DAY), 'logout'],
      [revoke(T0 + DAY), 'revoked'],
    ] as const) {
      const [snapshot, actions] = transition(sessionMachine, opened(), event);
      expect(snapshot.value).toBe('terminated');
      expect(snapshot.status).toBe('done');
      expect(snapshot.context).toEqual({ ...opened().context, endReason });
      expect(effects(actions)).toEqual([]);
    }
  });

  it('an expired session can still be revoked or logged out, and ends for good', () => {
    for (const [event, endReason] of [
      [revoke(T0 + 20 * DAY), 'revoked'],
      [logout(T0 + 20 * DAY), 'logout'],
    ] as const) {
      const [snapshot] = transition(sessionMachine, expired(), event);
      expect(snapshot.value).toBe('terminated');
      expect(snapshot.context.endReason).toBe(endReason);
    }
  });

  it('an active session past its expiry (not yet marked expired) still ends on logout or revoke', () => {
    // The machine does not judge expiry on logout/revoke: the logout decision refuses such a
    // session before this event is sent, revoke-all ends it regardless.
    expect(transition(sessionMachine, opened(), logout(T0 + 20 * DAY))[0].context.endReason).toBe('logout');
    expect(transition(sessionMachine, opened(), revoke(T0 + 20 * DAY))[0].context.endReason).toBe('revoked');
  });

  it('terminated accepts nothing: no event type has a transition', () => {
    expect([...sessionMachine.events].sort()).toEqual(['session.authenticate', 'session.logout', 'session.revoke', 'session.silentAuthenticate']);
    for (const [ended] of [transition(sessionMachine, opened(), logout(T0 + DAY)), transition(sessionMachine, expired(), revoke(T0 + 20 * DAY))]) {
      for (const event of [...everyEvent(T0 + 2 * DAY), ...everyEvent(T0 + 60 * DAY)]) {
        expect(ended.can(event)).toBe(false);
      }
      // A second revoke does not rewrite the reason the session ended.
      const [again] = transition(sessionMachine, ended, revoke(T0 + 3 * DAY));
      expect(again.value).toBe('terminated');
      expect(again.context).toEqual(ended.context);
    }
  });

  it('survives a JSON round trip, restored from value and context as the session store does from its columns', () => {
    const [stepped] = transition(sessionMachine, opened(), authenticate('sms', T0 + DAY));
    const stored = JSON.parse(JSON.stringify(sessionMachine.getPersistedSnapshot(stepped))) as { value: string; context: SessionContext };
    expect(stored.value).toBe('active');
    expect(stored.context).toEqual(stepped.context);

    const restored = sessionMachine.resolveState({ value: stored.value, context: stored.context });
    expect(restored.value).toBe('active');
    expect(restored.context).toEqual(stepped.context);
    expect(restored.can(silent(T0 + 2 * DAY))).toBe(true);

    const [next] = transition(sessionMachine, restored, authenticate('totp', T0 + 2 * DAY));
    expect(next.context).toMatchObject({ methods: ['eml', 'sms', 'totp'], authTime: T0 + 2 * DAY, expiresAt: T0 + 2 * DAY + TTL });
    expect(transition(sessionMachine, restored, silent(T0 + DAY + TTL))[0].value).toBe('expired');
    expect(transition(sessionMachine, restored, logout(T0 + 2 * DAY))[0].value).toBe('terminated');
  });

  it('restores expired and terminated rows with the same behaviour as before storing them', () => {
    const round = (snapshot: ReturnType<typeof opened>) => {
      const stored = JSON.parse(JSON.stringify(sessionMachine.getPersistedSnapshot(snapshot))) as { value: string; context: SessionContext };
      return sessionMachine.resolveState({ value: stored.value, context: stored.context });
    };
    const wasExpired = round(expired());
    expect(wasExpired.value).toBe('expired');
    expect(wasExpired.can(silent(T0 + TTL + 1))).toBe(false);
    const [revoked] = transition(sessionMachine, wasExpired, revoke(T0 + 20 * DAY));
    expect(revoked.context.endReason).toBe('revoked');

    const wasTerminated = round(revoked);
    expect(wasTerminated.value).toBe('terminated');
    expect(wasTerminated.status).toBe('done');
    expect(wasTerminated.context.endReason).toBe('revoked');
    for (const event of everyEvent(T0 + 21 * DAY)) expect(wasTerminated.can(event)).toBe(false);
  });

  it('reaches every state', () => {
    const paths = getShortestPaths(sessionMachine, {
      input,
      events: [authenticate('sms', T0 + MINUTE), silent(T0 + MINUTE), silent(T0 + 30 * DAY), logout(T0 + MINUTE), revoke(T0 + MINUTE)],
    });
    const reached = new Set(paths.map((path) => String(path.state.value)));
    expect([...reached].sort()).toEqual(['active', 'expired', 'terminated']);
    const expiredPath = paths.find((path) => path.state.value === 'expired');
    expect(expiredPath?.steps.map((step) => step.event.type)).toEqual(['xstate.init', 'session.silentAuthenticate']);
    // terminated is the only final state; every other state has a way into it.
    for (const path of paths) {
      const ended = path.state.status === 'done' || transition(sessionMachine, path.state, revoke(T0 + 60 * DAY))[0].value === 'terminated';
      expect(ended, String(path.state.value)).toBe(true);
      expect(path.state.status === 'done').toBe(path.state.value === 'terminated');
    }
  });
});
