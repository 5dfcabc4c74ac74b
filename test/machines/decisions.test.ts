import { describe, expect, it } from 'vitest';
import { initialTransition } from 'xstate';
import { type LogoutInput, logoutMachine } from '../../machines/logout.machine.js';
import { type RefreshTokenStanding, refreshMachine } from '../../machines/refresh.machine.js';
import { meetsMfaPolicy, type SessionStanding, type SilentAuthContext, type SilentAuthInput, silentAuthMachine } from '../../machines/silent-auth.machine.js';
import { decide } from '../../src/flows/decide.js';
import { effectsOf } from '../helpers/machine-effects.js';

// The request-scoped decisions (silent authentication, refresh, logout): each settles in one step
// from the facts given as input, through eventless transitions out of `judging`. `decide` is how
// src/ runs them; initialTransition directly shows the same effects carry no params.

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const DAY = 24 * 60 * 60_000;
const EXPIRES = T0 + 14 * DAY;

const effects = effectsOf;

const silentInput = (overrides: Partial<SilentAuthInput> = {}): SilentAuthInput => ({
  session: 'active',
  expiresAt: EXPIRES,
  at: T0 + DAY,
  methods: ['eml'],
  mfa: null,
  ...overrides,
});
const silentAuth = (overrides: Partial<SilentAuthInput> = {}) => decide<SilentAuthContext>(silentAuthMachine, silentInput(overrides));
const refresh = (token: RefreshTokenStanding) => decide(refreshMachine, { token });
const logout = (overrides: Partial<LogoutInput> = {}) => decide<LogoutInput>(logoutMachine, { session: 'active', expiresAt: EXPIRES, at: T0 + DAY, ...overrides });

describe('silent-auth decision', () => {
  it('a usable active session → authenticated: extend the session, associate the user, issue tokens', () => {
    const decision = silentAuth();
    expect(decision.state).toBe('authenticated');
    expect(decision.effects).toEqual(['extendSession', 'associateUser', 'issueTokens']);
    expect(decision.context).toEqual({ ...silentInput(), stepUpRequired: false });
  });

  it('settles in one step, in a final state, with effects that carry no params', () => {
    const [snapshot, actions] = initialTransition(silentAuthMachine, silentInput());
    expect(snapshot.value).toBe('authenticated');
    expect(snapshot.status).toBe('done');
    expect(effects(actions)).toEqual([
      { type: 'extendSession', params: undefined },
      { type: 'associateUser', params: undefined },
      { type: 'issueTokens', params: undefined },
    ]);
  });

  it('one millisecond before the expiry is still usable', () => {
    expect(silentAuth({ at: EXPIRES - 1 }).state).toBe('authenticated');
  });

  it('an active session at or after its expiry → sessionExpired, which only expires the session', () => {
    for (const at of [EXPIRES, EXPIRES + 1, EXPIRES + 30 * DAY]) {
      const decision = silentAuth({ at });
      expect(decision.state).toBe('sessionExpired');
      expect(decision.effects).toEqual(['expireSession']);
    }
  });

  it('an expired, terminated or missing session → refused with no effects, whatever the times say', () => {
    for (const session of ['expired', 'terminated', 'missing'] as const) {
      for (const at of [T0 + DAY, EXPIRES + DAY]) {
        const decision = silentAuth({ session, at, expiresAt: session === 'missing' ? 0 : EXPIRES });
        expect(decision.state, `${session} at ${at}`).toBe('refused');
        expect(decision.effects).toEqual([]);
      }
    }
  });

  it('reaches every final state, and only through judging', () => {
    const standings: SessionStanding[] = ['active', 'expired', 'terminated', 'missing'];
    const reached = new Set(standings.flatMap((session) => [T0, EXPIRES].map((at) => silentAuth({ session, at }).state)));
    expect([...reached].sort()).toEqual(['authenticated', 'refused', 'sessionExpired']);
    expect(Object.keys(silentAuthMachine.root.states).sort()).toEqual(['authenticated', 'judging', 'refused', 'sessionExpired']);
  });

  describe('stepUpRequired (the app’s login_preferences.mfa policy)', () => {
    const stepUp = (methods: readonly string[], mfa: SilentAuthInput['mfa']) => silentAuth({ methods, mfa }).context.stepUpRequired;

    it('no policy, or a policy that does not require MFA → false', () => {
      expect(stepUp(['eml'], null)).toBe(false);
      expect(stepUp(['eml'], { required: false })).toBe(false);
      expect(stepUp(['eml'], { required: false, methods: ['totp'] })).toBe(false);
      expect(meetsMfaPolicy(['eml'], null)).toBe(true);
    });

    it('required with one method → true; with two distinct methods → false', () => {
      expect(stepUp(['eml'], { required: true })).toBe(true);
      expect(stepUp(['eml', 'sms'], { required: true })).toBe(false);
      expect(meetsMfaPolicy(['eml'], { required: true })).toBe(false);
      expect(meetsMfaPolicy(['eml', 'sms'], { required: true })).toBe(true);
    });

    it('a repeated method never counts twice', () => {
      expect(stepUp(['eml', 'eml'], { required: true })).toBe(true);
      expect(stepUp(['sms', 'sms', 'sms'], { required: true, methods: ['sms'] })).toBe(true);
      expect(meetsMfaPolicy(['eml', 'eml'], { required: true })).toBe(false);
    });

    it('with accepted methods named: none of the session’s methods among them → true; one of them → false', () => {
      expect(stepUp(['eml', 'sms'], { required: true, methods: ['totp'] })).toBe(true);
      expect(stepUp(['eml', 'sms'], { required: true, methods: ['totp', 'sms'] })).toBe(false);
      expect(stepUp(['eml', 'sms'], { required: true, methods: ['eml'] })).toBe(false);
      // Naming the method does not lower the bar of two distinct methods.
      expect(stepUp(['totp'], { required: true, methods: ['totp'] })).toBe(true);
      // An empty list names no restriction.
      expect(stepUp(['eml', 'sms'], { required: true, methods: [] })).toBe(false);
    });

    it('does not change the verdict: a session that needs a step-up still authenticates', () => {
      const decision = silentAuth({ methods: ['eml'], mfa: { required: true } });
      expect(decision.state).toBe('authenticated');
      expect(decision.effects).toEqual(['extendSession', 'associateUser', 'issueTokens']);
      expect(decision.context.stepUpRequired).toBe(true);
    });
  });
});

describe('refresh decision', () => {
  it('an active token → rotated: rotate it and issue tokens', () => {
    const decision = refresh('active');
    expect(decision.state).toBe('rotated');
    expect(decision.effects).toEqual(['rotateToken', 'issueTokens']);
    expect(decision.context).toEqual({ token: 'active' });
  });

  it('an already-rotated token → reuseDetected: revoke the whole family, issue nothing', () => {
    const decision = refresh('rotated');
    expect(decision.state).toBe('reuseDetected');
    expect(decision.effects).toEqual(['revokeFamily']);
  });

  it('a revoked, expired, missing or other-app token → refused with no effects', () => {
    for (const token of ['revoked', 'expired', 'missing', 'otherApp'] as const) {
      const decision = refresh(token);
      expect(decision.state, token).toBe('refused');
      expect(decision.effects).toEqual([]);
    }
  });

  it('settles in a final state with param-less effects; every final state is reachable', () => {
    const [snapshot, actions] = initialTransition(refreshMachine, { token: 'active' });
    expect(snapshot.status).toBe('done');
    expect(effects(actions)).toEqual([
      { type: 'rotateToken', params: undefined },
      { type: 'issueTokens', params: undefined },
    ]);
    const standings: RefreshTokenStanding[] = ['active', 'rotated', 'revoked', 'expired', 'missing', 'otherApp'];
    expect([...new Set(standings.map((token) => refresh(token).state))].sort()).toEqual(['refused', 'reuseDetected', 'rotated']);
  });
});

describe('logout decision', () => {
  it('an active, live session → loggedOut: terminate it and revoke its refresh tokens', () => {
    const decision = logout();
    expect(decision.state).toBe('loggedOut');
    expect(decision.effects).toEqual(['terminateSession', 'revokeRefreshTokens']);
    expect(logout({ at: EXPIRES - 1 }).state).toBe('loggedOut');
  });

  it('an active session already past its expiry at `at` → refused (Session not found)', () => {
    for (const at of [EXPIRES, EXPIRES + DAY]) {
      const decision = logout({ at });
      expect(decision.state).toBe('refused');
      expect(decision.effects).toEqual([]);
    }
  });

  it('an expired, terminated or missing session → refused with no effects', () => {
    for (const session of ['expired', 'terminated', 'missing'] as const) {
      const decision = logout({ session, expiresAt: session === 'missing' ? 0 : EXPIRES });
      expect(decision.state, session).toBe('refused');
      expect(decision.effects).toEqual([]);
    }
  });

  it('settles in a final state with param-less effects; every final state is reachable', () => {
    const [snapshot, actions] = initialTransition(logoutMachine, { session: 'active', expiresAt: EXPIRES, at: T0 });
    expect(snapshot.status).toBe('done');
    expect(effects(actions)).toEqual([
      { type: 'terminateSession', params: undefined },
      { type: 'revokeRefreshTokens', params: undefined },
    ]);
    const standings: SessionStanding[] = ['active', 'expired', 'terminated', 'missing'];
    expect([...new Set(standings.map((session) => logout({ session }).state))].sort()).toEqual(['loggedOut', 'refused']);
  });
});
