import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { type OtpInput, otpMachine, type SessionFact } from '../../machines/otp.machine.js';
import { stateValueToString } from '../../machines/shared/state-value.js';
import { effectsOf as effects } from '../helpers/machine-effects.js';

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
  requestedAt: T0,
  lockedOutUntil: null,
};
const VERIFY = [
  { type: 'reserveAttempt', params: undefined },
  { type: 'comparePasscode', params: undefined },
];

function waiting(overrides: Partial<OtpInput> = {}) {
  const [start] = initialTransition(otpMachine, { ...input, ...overrides });
  return transition(otpMachine, start, { type: 'challenge.delivered', at: T0 + 1 })[0];
}
const submit = (at = T0 + MINUTE, extra: { requestId?: string | null; session?: SessionFact | null } = {}) =>
  ({ type: 'code.submit', at, requestId: extra.requestId ?? null, session: extra.session ?? null }) as const;
const accepted = (attempt: number, at = T0 + MINUTE) => ({ type: 'code.accepted', attempt, at }) as const;
const rejected = (attempt: number, at = T0 + MINUTE) => ({ type: 'code.rejected', attempt, at }) as const;
const stateOf = (snapshot: { value: unknown }) => stateValueToString(snapshot.value as never);
const verifying = (overrides: Partial<OtpInput> = {}) => transition(otpMachine, waiting(overrides), submit())[0];

describe('otp machine', () => {
  it('starts by sending: issue a code, deliver it on the input channel', () => {
    const [snapshot, actions] = initialTransition(otpMachine, input);
    expect(snapshot.value).toBe('sending');
    expect(snapshot.context).toMatchObject({ attempts: 0, deliveredAt: null, lockedUntil: null });
    expect(effects(actions)).toEqual([
      { type: 'issueChallenge', params: { kind: 'otp' } },
      { type: 'deliverChallenge', params: { channel: 'sms' } },
    ]);
  });

  it('a send while the user is locked out ends in lockedOut: no code issued, nothing delivered', () => {
    const [snapshot, actions] = initialTransition(otpMachine, { ...input, lockedOutUntil: T0 + 1 });
    expect(snapshot.value).toBe('lockedOut');
    expect(snapshot.status).toBe('done');
    expect(effects(actions)).toEqual([]);
    // A lockout that has ended does not refuse.
    expect(initialTransition(otpMachine, { ...input, lockedOutUntil: T0 })[0].value).toBe('sending');
  });

  it('sending → pending.awaitingCode on delivery; → deliveryFailed (code revoked) when undeliverable', () => {
    expect(stateOf(waiting())).toBe('pending.awaitingCode');
    expect(waiting().context.deliveredAt).toBe(T0 + 1);
    const [start] = initialTransition(otpMachine, input);
    const [failed, actions] = transition(otpMachine, start, { type: 'challenge.undeliverable', reason: 'sms_unavailable', at: T0 });
    expect(failed.value).toBe('deliveryFailed');
    expect(effects(actions)).toEqual([{ type: 'revokeChallenge', params: undefined }]);
  });

  it('a submitted code moves to verifying: reserve one attempt, then compare (the code is not in the event)', () => {
    const [snapshot, actions] = transition(otpMachine, waiting(), submit());
    expect(stateOf(snapshot)).toBe('pending.verifying');
    expect(effects(actions)).toEqual(VERIFY);
    // Submitting again while verifying (a crash between reservation and verdict) verifies again.
    const [again, more] = transition(otpMachine, snapshot, submit(T0 + 2 * MINUTE));
    expect(stateOf(again)).toBe('pending.verifying');
    expect(effects(more)).toEqual(VERIFY);
  });

  it('with a request id, a submission without it or with another is refused before any attempt is counted', () => {
    const bound = waiting({ requestId: 'req-1' });
    for (const requestId of [null, 'req-2']) {
      const [refused, actions] = transition(otpMachine, bound, submit(T0 + MINUTE, { requestId }));
      expect(stateOf(refused)).toBe('pending.requestIdRefused');
      expect(effects(actions)).toEqual([]);
      // The code stays redeemable by the right request.
      expect(stateOf(transition(otpMachine, refused, submit(T0 + MINUTE, { requestId: 'req-1' }))[0])).toBe('pending.verifying');
    }
  });

  it('a session that cannot take this authentication is refused before any attempt is counted', () => {
    const refusals: SessionFact[] = [
      { state: 'missing' },
      { state: 'terminated', userId: 'user-1', expiresAt: T0 + 60 * MINUTE },
      { state: 'expired', userId: 'user-1', expiresAt: T0 - 1 },
      { state: 'active', userId: 'user-1', expiresAt: T0 + MINUTE },
      { state: 'active', userId: 'another-user', expiresAt: T0 + 60 * MINUTE },
    ];
    for (const session of refusals) {
      const [refused, actions] = transition(otpMachine, waiting(), submit(T0 + MINUTE, { session }));
      expect(stateOf(refused), JSON.stringify(session)).toBe('pending.sessionRefused');
      expect(effects(actions)).toEqual([]);
    }
    const usable: SessionFact = { state: 'active', userId: 'user-1', expiresAt: T0 + 60 * MINUTE };
    expect(stateOf(transition(otpMachine, waiting(), submit(T0 + MINUTE, { session: usable }))[0])).toBe('pending.verifying');
  });

  it('a submission at or after expiry → expired, code revoked, nothing counted', () => {
    for (const at of [T0 + 5 * MINUTE, T0 + 9 * MINUTE]) {
      const [snapshot, actions] = transition(otpMachine, waiting(), submit(at));
      expect(snapshot.value).toBe('expired');
      expect(effects(actions)).toEqual([{ type: 'revokeChallenge', params: undefined }]);
    }
  });

  it('verifying → authenticated on the right code: consume, record with the channel amr, issue tokens', () => {
    for (const [channel, method, verifies] of [
      ['sms', 'sms', 'phone'],
      ['email', 'eotp', 'email'],
      ['direct', 'otp', null],
    ] as const) {
      const [snapshot, actions] = transition(otpMachine, verifying({ channel, verifies }), accepted(1));
      expect(snapshot.value).toBe('authenticated');
      expect(snapshot.context.attempts).toBe(1);
      expect(effects(actions)).toEqual([
        { type: 'consumeChallenge', params: undefined },
        { type: 'recordAuthentication', params: { method, verifies } },
        { type: 'issueTokens', params: undefined },
      ]);
    }
  });

  it('a verdict that arrives after the code expired → expired', () => {
    const [snapshot] = transition(otpMachine, verifying(), accepted(1, T0 + 5 * MINUTE));
    expect(snapshot.value).toBe('expired');
  });

  it('a wrong code → pending.wrongCode with the attempt recorded; the code can be tried again', () => {
    const [snapshot, actions] = transition(otpMachine, verifying(), rejected(1));
    expect(stateOf(snapshot)).toBe('pending.wrongCode');
    expect(snapshot.context.attempts).toBe(1);
    expect(effects(actions)).toEqual([]);
    expect(stateOf(transition(otpMachine, snapshot, submit())[0])).toBe('pending.verifying');
  });

  it('the maxFailures-th wrong code locks: code revoked, identifier locked for the lockout duration', () => {
    let snapshot = transition(otpMachine, verifying(), rejected(1))[0];
    snapshot = transition(otpMachine, transition(otpMachine, snapshot, submit())[0], rejected(2))[0];
    const [locked, actions] = transition(otpMachine, transition(otpMachine, snapshot, submit())[0], rejected(3, T0 + 2 * MINUTE));
    expect(locked.value).toBe('locked');
    expect(locked.context).toMatchObject({ attempts: 3, lockedUntil: T0 + 17 * MINUTE });
    expect(effects(actions)).toEqual([
      { type: 'revokeChallenge', params: undefined },
      { type: 'lockIdentifier', params: { until: T0 + 17 * MINUTE } },
    ]);
    expect(locked.can(submit())).toBe(false);
    expect(locked.can(accepted(4))).toBe(false);
  });

  it('attempts carried over from an earlier code count (the number comes from the database)', () => {
    expect(transition(otpMachine, verifying(), rejected(3))[0].value).toBe('locked');
  });

  it('no attempt left to reserve → locked', () => {
    const [locked, actions] = transition(otpMachine, verifying(), { type: 'code.exhausted', at: T0 + MINUTE });
    expect(locked.value).toBe('locked');
    expect(effects(actions).map((effect) => effect.type)).toEqual(['revokeChallenge', 'lockIdentifier']);
  });

  it('a verdict of a concurrent request still counts when another verdict moved the flow first', () => {
    const [wrong] = transition(otpMachine, verifying(), rejected(1));
    expect(transition(otpMachine, wrong, accepted(2))[0].value).toBe('authenticated');
  });

  it('keeps approval data and no secret in the persisted snapshot', () => {
    const [done] = transition(otpMachine, verifying({ approvalData: { amount: 10 } }), accepted(1));
    const persisted = JSON.stringify(otpMachine.getPersistedSnapshot(done));
    expect(persisted).toContain('"amount":10');
  });

  it('survives a JSON round trip of its persisted snapshot in a nested state', () => {
    const stored = JSON.parse(JSON.stringify(otpMachine.getPersistedSnapshot(verifying())));
    const restored = otpMachine.resolveState(stored);
    expect(stateOf(restored)).toBe('pending.verifying');
    expect(transition(otpMachine, restored, accepted(1))[0].value).toBe('authenticated');
  });

  it('reaches every state', () => {
    const paths = getShortestPaths(otpMachine, {
      input: { ...input, requestId: 'req-1' },
      events: [
        { type: 'challenge.delivered', at: T0 },
        { type: 'challenge.undeliverable', reason: 'x', at: T0 },
        submit(T0 + MINUTE, { requestId: 'req-1' }),
        submit(T0 + MINUTE, { requestId: 'other' }),
        submit(T0 + MINUTE, { requestId: 'req-1', session: { state: 'missing' } }),
        submit(T0 + 10 * MINUTE, { requestId: 'req-1' }),
        accepted(1),
        rejected(1),
        rejected(3),
        { type: 'code.exhausted', at: T0 + MINUTE },
      ],
    });
    const reached = [...new Set(paths.map((path) => stateOf(path.state)))].sort();
    expect(reached).toEqual([
      'authenticated',
      'deliveryFailed',
      'expired',
      'locked',
      'pending.awaitingCode',
      'pending.requestIdRefused',
      'pending.sessionRefused',
      'pending.verifying',
      'pending.wrongCode',
      'sending',
    ]);
    const [locked] = initialTransition(otpMachine, { ...input, lockedOutUntil: T0 + MINUTE });
    expect(locked.value).toBe('lockedOut');
  });
});
