import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { type OtpInput, otpMachine } from '../../machines/otp.machine.js';
import { effectsOf } from '../helpers/machine-effects.js';

// The passcode statechart through every transition, with explicit event times (no clock).

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const MINUTE = 60_000;
const input: OtpInput = {
  userId: 'user-1',
  channel: 'sms',
  subject: 'phone_number:+447700900123',
  verifies: 'phone',
  expiresAt: T0 + 5 * MINUTE,
  codeLength: 6,
  maxFailures: 3,
  lockoutMs: 15 * MINUTE,
  requestId: null,
  approvalData: null,
};
const effects = effectsOf;

function waiting(overrides: Partial<OtpInput> = {}) {
  const [start] = initialTransition(otpMachine, { ...input, ...overrides });
  return transition(otpMachine, start, { type: 'challenge.delivered', at: T0 + 1 })[0];
}
const accepted = (attempt: number, at = T0 + MINUTE, extra: { requestId?: string | null; sessionId?: string | null } = {}) =>
  ({ type: 'code.accepted', attempt, at, requestId: extra.requestId ?? null, sessionId: extra.sessionId ?? null }) as const;
const rejected = (attempt: number, at = T0 + MINUTE, requestId: string | null = null) => ({ type: 'code.rejected', attempt, at, requestId }) as const;

describe('otp machine', () => {
  it('starts in sending: issue a code, deliver it on the input channel', () => {
    const [snapshot, actions] = initialTransition(otpMachine, input);
    expect(snapshot.value).toBe('sending');
    expect(snapshot.context).toMatchObject({ attempts: 0, deliveredAt: null, lockedUntil: null });
    expect(effects(actions)).toEqual([
      { type: 'issueChallenge', params: { kind: 'otp' } },
      { type: 'deliverChallenge', params: { channel: 'sms' } },
    ]);
  });

  it('sending → awaitingCode on delivery; → deliveryFailed (code revoked) when undeliverable', () => {
    expect(waiting().value).toBe('awaitingCode');
    expect(waiting().context.deliveredAt).toBe(T0 + 1);
    const [start] = initialTransition(otpMachine, input);
    const [failed, actions] = transition(otpMachine, start, { type: 'challenge.undeliverable', reason: 'sms_unavailable', at: T0 });
    expect(failed.value).toBe('deliveryFailed');
    expect(effects(actions)).toEqual([{ type: 'revokeChallenge', params: undefined }]);
  });

  it('awaitingCode → authenticated on the right code: consume, record with the channel amr, issue tokens', () => {
    for (const [channel, method, verifies] of [
      ['sms', 'sms', 'phone'],
      ['email', 'eotp', 'email'],
      ['direct', 'otp', null],
    ] as const) {
      const [snapshot, actions] = transition(otpMachine, waiting({ channel, verifies }), accepted(1, T0 + MINUTE, { sessionId: 's-1' }));
      expect(snapshot.value).toBe('authenticated');
      expect(effects(actions)).toEqual([
        { type: 'consumeChallenge', params: undefined },
        { type: 'recordAuthentication', params: { method, sessionId: 's-1', verifies } },
        { type: 'issueTokens', params: undefined },
      ]);
    }
  });

  it('a wrong code stays in awaitingCode and records the attempt', () => {
    const [snapshot, actions] = transition(otpMachine, waiting(), rejected(1));
    expect(snapshot.value).toBe('awaitingCode');
    expect(snapshot.context.attempts).toBe(1);
    expect(effects(actions)).toEqual([]);
  });

  it('the maxFailures-th wrong code locks: code revoked, identifier locked for the lockout duration', () => {
    let snapshot = waiting();
    snapshot = transition(otpMachine, snapshot, rejected(1))[0];
    snapshot = transition(otpMachine, snapshot, rejected(2))[0];
    const [locked, actions] = transition(otpMachine, snapshot, rejected(3, T0 + 2 * MINUTE));
    expect(locked.value).toBe('locked');
    expect(locked.context).toMatchObject({ attempts: 3, lockedUntil: T0 + 17 * MINUTE });
    expect(effects(actions)).toEqual([
      { type: 'revokeChallenge', params: undefined },
      { type: 'lockIdentifier', params: { until: T0 + 17 * MINUTE } },
    ]);
    expect(locked.can(accepted(4))).toBe(false);
  });

  it('counts attempts carried over from an earlier code (the count comes from the database)', () => {
    const [locked] = transition(otpMachine, waiting(), rejected(3));
    expect(locked.value).toBe('locked');
  });

  it('a code (right or wrong) at or after expiry → expired, code revoked', () => {
    for (const event of [accepted(1, T0 + 5 * MINUTE), rejected(1, T0 + 9 * MINUTE)]) {
      const [snapshot, actions] = transition(otpMachine, waiting(), event);
      expect(snapshot.value).toBe('expired');
      expect(effects(actions)).toEqual([{ type: 'revokeChallenge', params: undefined }]);
    }
  });

  it('with a request id, verdicts carrying another one are no transition at all', () => {
    const bound = waiting({ requestId: 'req-1' });
    expect(bound.can(accepted(1, T0 + MINUTE, { requestId: 'req-2' }))).toBe(false);
    expect(bound.can(rejected(1, T0 + MINUTE, null))).toBe(false);
    expect(transition(otpMachine, bound, accepted(1, T0 + MINUTE, { requestId: 'req-1' }))[0].value).toBe('authenticated');
  });

  it('keeps approval data and no secret in the persisted snapshot', () => {
    const [done] = transition(otpMachine, waiting({ approvalData: { amount: 10 } }), accepted(1, T0 + MINUTE, { sessionId: 'secret-session' }));
    const persisted = JSON.stringify(otpMachine.getPersistedSnapshot(done));
    expect(persisted).toContain('"amount":10');
    expect(persisted).not.toContain('secret-session');
  });

  it('reaches every state', () => {
    const paths = getShortestPaths(otpMachine, {
      input,
      events: [
        { type: 'challenge.delivered', at: T0 },
        { type: 'challenge.undeliverable', reason: 'x', at: T0 },
        accepted(1),
        rejected(3),
        rejected(1, T0 + 10 * MINUTE),
      ],
    });
    expect([...new Set(paths.map((path) => String(path.state.value)))].sort()).toEqual(['authenticated', 'awaitingCode', 'deliveryFailed', 'expired', 'locked', 'sending']);
  });
});
