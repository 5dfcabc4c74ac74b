import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { type OtpEvent, otpMachine } from '../../machines/otp.machine.js';
import type { OtpInput } from '../../machines/otp.context.js';
import { stateValueToString } from '../../machines/shared/state-value.js';
import { effectsOf as effects } from '../helpers/machine-effects.js';

// The passcode statechart, transition by transition, with explicit event times (no clock). The
// generated tests (test/machines/generated.test.ts) walk every transition of the graph; these say
// what each one means.

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const MINUTE = 60_000;
const SUBJECT = 'phone_number:+447700900123';
const input: OtpInput = {
  userId: 'user-1',
  channel: 'sms',
  subject: SUBJECT,
  verifies: 'phone',
  expiresAt: T0 + 5 * MINUTE,
  codeLength: 6,
  maxFailures: 3,
  lockoutMs: 15 * MINUTE,
  requestId: null,
  approvalData: null,
  requestedAt: T0,
  lockedOutUntil: null,
  userStatus: 'Active',
  replaced: null,
  retryDelaysMs: [2_000, 10_000],
};
type Snapshot = ReturnType<typeof otpMachine.resolveState>;
const stateOf = (snapshot: { value: unknown }) => stateValueToString(snapshot.value);

function waiting(overrides: Partial<OtpInput> = {}): Snapshot {
  const [start] = initialTransition(otpMachine, { ...input, ...overrides });
  return transition(otpMachine, start, { type: 'challenge.delivered', at: T0 + 1 })[0];
}
const submit = (at = T0 + MINUTE, extra: Partial<Extract<OtpEvent, { type: 'code.submit' }>> = {}): OtpEvent => ({
  type: 'code.submit',
  at,
  subject: SUBJECT,
  requestId: null,
  lockedOutUntil: null,
  session: null,
  userStatus: 'Active',
  resource: null,
  allowedResources: [],
  ...extra,
});
const accepted = (at = T0 + MINUTE): OtpEvent => ({ type: 'code.accepted', at });
const rejected = (at = T0 + MINUTE): OtpEvent => ({ type: 'code.rejected', at });
const step = (snapshot: Snapshot, event: OtpEvent) => transition(otpMachine, snapshot, event);
const verifying = (overrides: Partial<OtpInput> = {}) => step(waiting(overrides), submit())[0];

describe('otp machine', () => {
  it('starts by sending: issue a code, deliver it on the input channel', () => {
    const [snapshot, actions] = initialTransition(otpMachine, input);
    expect(snapshot.value).toBe('sending');
    expect(snapshot.context).toMatchObject({ attempts: 0, deliveredAt: null, lockedUntil: null, deliveryFault: null });
    expect(effects(actions)).toEqual([
      { type: 'issueChallenge', params: undefined },
      { type: 'holdDelivery', params: undefined },
      { type: 'deliverChallenge', params: { channel: 'sms' } },
    ]);
  });

  it('a direct code is handed back in the answer: issued, nothing to deliver, pending at once', () => {
    const [snapshot, actions] = initialTransition(otpMachine, { ...input, channel: 'direct', verifies: null });
    expect(stateOf(snapshot)).toBe('pending.awaitingCode');
    expect(snapshot.context).toMatchObject({ attempts: 0, deliveredAt: null });
    expect(effects(actions)).toEqual([{ type: 'issueChallenge', params: undefined }]);
    // A lockout in force refuses a direct send as any other.
    expect(stateOf(initialTransition(otpMachine, { ...input, channel: 'direct', lockedOutUntil: T0 + 1 })[0])).toBe('lockedOut.refusedSend');
  });

  it('a send while the user is locked out ends in lockedOut: no code issued, nothing delivered', () => {
    const [snapshot, actions] = initialTransition(otpMachine, { ...input, lockedOutUntil: T0 + 1 });
    expect(stateOf(snapshot)).toBe('lockedOut.refusedSend');
    expect(effects(actions)).toEqual([]);
    // A lockout that has ended does not refuse.
    expect(initialTransition(otpMachine, { ...input, lockedOutUntil: T0 })[0].value).toBe('sending');
    // A submission to it: auth_locked while the lockout lasts, then simply no code.
    expect(stateOf(step(snapshot, submit(T0 + MINUTE, { lockedOutUntil: T0 + 1 + MINUTE }))[0])).toBe('lockedOut.refusingCode');
    expect(stateOf(step(snapshot, submit(T0 + MINUTE))[0])).toBe('lockedOut.noCode');
  });

  it('delivery: sending → pending.awaitingCode; undeliverable → deliveryFailed with whose fault it was', () => {
    expect(stateOf(waiting())).toBe('pending.awaitingCode');
    expect(waiting().context.deliveredAt).toBe(T0 + 1);
    expect(effects(transition(otpMachine, initialTransition(otpMachine, input)[0], { type: 'challenge.delivered', at: T0 + 1 })[1])).toEqual([{ type: 'releaseDelivery', params: undefined }]);
    const [start] = initialTransition(otpMachine, input);
    for (const fault of ['configuration', 'recipient'] as const) {
      const [failed, actions] = step(start, { type: 'challenge.undeliverable', reason: 'sms_auth_failed', fault, at: T0 });
      expect(stateOf(failed)).toBe('deliveryFailed.undelivered');
      expect(failed.context.deliveryFault).toBe(fault);
      expect(effects(actions)).toEqual([{ type: 'releaseDelivery', params: undefined }]);
      expect(stateOf(step(failed, submit())[0])).toBe('deliveryFailed.refused');
    }
  });

  it("an outage is retried on the flow's schedule, then fails; the code stays redeemable meanwhile", () => {
    const outage = (at: number): OtpEvent => ({ type: 'challenge.undeliverable', reason: 'sms_unavailable', fault: 'outage', at });
    const [start] = initialTransition(otpMachine, input);
    const [first, firstActions] = step(start, outage(T0));
    expect(stateOf(first)).toBe('retrying');
    expect(first.context.deliveryAttempts).toBe(1);
    expect(effects(firstActions)).toEqual([{ type: 'scheduleDelivery', params: { afterMs: 2_000, attempts: 1 } }]);
    const [second, secondActions] = step(first, outage(T0 + 2_000));
    expect(stateOf(second)).toBe('retrying');
    expect(effects(secondActions)).toEqual([{ type: 'scheduleDelivery', params: { afterMs: 10_000, attempts: 2 } }]);
    // The schedule has two retries: the third failure ends the delivery.
    const [failed, failedActions] = step(second, outage(T0 + 12_000));
    expect(stateOf(failed)).toBe('deliveryFailed.undelivered');
    expect(failed.context.deliveryFault).toBe('outage');
    expect(effects(failedActions)).toEqual([{ type: 'releaseDelivery', params: undefined }]);
    // A retry that gets through; a code typed meanwhile (a timeout may hide an accepted message).
    expect(stateOf(step(first, { type: 'challenge.delivered', at: T0 + 2_000 })[0])).toBe('pending.awaitingCode');
    expect(stateOf(step(first, submit())[0])).toBe('pending.verifying');
    // A newer send supersedes a flow still retrying: its message is dropped.
    const [superseded, supersededActions] = step(first, { type: 'challenge.superseded', at: T0 + 1_000 });
    expect(stateOf(superseded)).toBe('superseded.replaced');
    expect(effects(supersededActions)).toEqual([{ type: 'releaseDelivery', params: undefined }]);
    // The delivery worker hands a due message in: sent while the code lives, dropped once it expired.
    expect(effects(step(first, { type: 'delivery.due', at: T0 + 2_000 })[1])).toEqual([{ type: 'deliverChallenge', params: { channel: 'sms' } }]);
    const [lapsed, lapsedActions] = step(first, { type: 'delivery.due', at: T0 + 5 * MINUTE });
    expect(stateOf(lapsed)).toBe('expired.lapsed');
    expect(effects(lapsedActions)).toEqual([{ type: 'releaseDelivery', params: undefined }]);
    // A first attempt a stopped process never made is made when it comes due.
    expect(effects(step(start, { type: 'delivery.due', at: T0 + MINUTE })[1])).toEqual([{ type: 'deliverChallenge', params: { channel: 'sms' } }]);
    // Without a schedule (DELIVERY_RETRY_DELAYS_MS=none, or a flow sent before it existed) an outage fails at once.
    expect(stateOf(step(initialTransition(otpMachine, { ...input, retryDelaysMs: [] })[0], outage(T0))[0])).toBe('deliveryFailed.undelivered');
  });

  it('a code typed while its message is retried does not end the delivery; a used code is never sent', () => {
    const outage = (at: number): OtpEvent => ({ type: 'challenge.undeliverable', reason: 'sms_unavailable', fault: 'outage', at });
    const [retrying] = step(initialTransition(otpMachine, input)[0], outage(T0));
    const [guessed] = step(step(retrying, submit())[0], rejected());
    expect(stateOf(guessed)).toBe('pending.wrongCode');
    expect(effects(step(guessed, { type: 'delivery.due', at: T0 + MINUTE })[1])).toEqual([{ type: 'deliverChallenge', params: { channel: 'sms' } }]);
    const [delivered, deliveredActions] = step(guessed, { type: 'challenge.delivered', at: T0 + MINUTE });
    expect(stateOf(delivered)).toBe('pending.wrongCode');
    expect(delivered.context.deliveredAt).toBe(T0 + MINUTE);
    expect(effects(deliveredActions)).toEqual([{ type: 'releaseDelivery', params: undefined }]);
    expect(effects(step(guessed, outage(T0 + MINUTE))[1])).toEqual([{ type: 'scheduleDelivery', params: { afterMs: 10_000, attempts: 2 } }]);
    // Redeemed (a timeout hid a message the provider did accept): a due message is dropped, unsent.
    const [redeemed] = step(step(retrying, submit())[0], accepted());
    expect(stateOf(redeemed)).toBe('authenticated.redeemed');
    const [dropped, droppedActions] = step(redeemed, { type: 'delivery.due', at: T0 + 2 * MINUTE });
    expect(stateOf(dropped)).toBe('authenticated.redeemed');
    expect(effects(droppedActions)).toEqual([{ type: 'releaseDelivery', params: undefined }]);
  });

  it('a submitted code counts one attempt on entering verifying, then asks for the comparison', () => {
    const [snapshot, actions] = step(waiting({ replaced: { attempts: 1, expiresAt: T0 + 1 } }), submit());
    expect(stateOf(snapshot)).toBe('pending.verifying');
    expect(snapshot.context.attempts).toBe(2);
    expect(effects(actions)).toEqual([{ type: 'comparePasscode', params: undefined }]);
    // Submitting while still verifying (a crash before the verdict was saved) verifies again.
    const [again, more] = step(snapshot, submit(T0 + 2 * MINUTE));
    expect(stateOf(again)).toBe('pending.verifying');
    expect(again.context.attempts).toBe(3);
    expect(effects(more)).toEqual([{ type: 'comparePasscode', params: undefined }]);
  });

  it('a code arriving before the delivery outcome was saved is judged like any other', () => {
    const [start] = initialTransition(otpMachine, input);
    expect(stateOf(step(start, submit())[0])).toBe('pending.verifying');
  });

  it('refused before anything is counted: a lockout in force, another identifier, a wrong request id', () => {
    const [locked, lockedEffects] = step(waiting(), submit(T0 + MINUTE, { lockedOutUntil: T0 + 10 * MINUTE }));
    expect(stateOf(locked)).toBe('lockedOut.refusingCode');
    expect(effects(lockedEffects)).toEqual([]);
    const [other] = step(waiting(), submit(T0 + MINUTE, { subject: 'email:someone@example.com' }));
    expect(stateOf(other)).toBe('pending.otherIdentifier');
    expect(other.context.attempts).toBe(0);
    const bound = waiting({ requestId: 'req-1' });
    for (const requestId of [null, 'req-2']) {
      const [refused, actions] = step(bound, submit(T0 + MINUTE, { requestId }));
      expect(stateOf(refused)).toBe('pending.requestIdRefused');
      expect(refused.context.attempts).toBe(0);
      expect(effects(actions)).toEqual([]);
      // The code stays redeemable by the right request.
      expect(stateOf(step(refused, submit(T0 + MINUTE, { requestId: 'req-1' }))[0])).toBe('pending.verifying');
    }
  });

  it('an authentication naming a session that cannot take the factor is refused before anything is counted, even while locked out', () => {
    for (const extra of [{}, { lockedOutUntil: T0 + 10 * MINUTE }, { requestId: 'other' }]) {
      const [refused, actions] = step(waiting({ requestId: 'req-1' }), submit(T0 + MINUTE, { session: 'refused', ...extra }));
      expect(stateOf(refused)).toBe('pending.sessionRefused');
      expect(refused.context.attempts).toBe(0);
      expect(effects(actions)).toEqual([]);
      expect(stateOf(step(refused, submit(T0 + MINUTE, { requestId: 'req-1', session: 'usable' }))[0])).toBe('pending.verifying');
    }
  });

  it('a submission at or after expiry → expired, nothing counted', () => {
    for (const at of [T0 + 5 * MINUTE, T0 + 9 * MINUTE]) {
      const [snapshot] = step(waiting(), submit(at));
      expect(stateOf(snapshot)).toBe('expired.lapsed');
      expect(snapshot.context.attempts).toBe(0);
      expect(stateOf(step(snapshot, submit(at))[0])).toBe('expired.refused');
    }
  });

  it('verifying → authenticated on the right code: record with the channel amr, issue tokens', () => {
    for (const [channel, method, verifies] of [
      ['sms', 'sms', 'phone'],
      ['email', 'eotp', 'email'],
      ['direct', 'otp', null],
    ] as const) {
      const [snapshot, actions] = step(verifying({ channel, verifies }), accepted());
      expect(stateOf(snapshot)).toBe('authenticated.redeemed');
      expect(effects(actions)).toEqual([{ type: 'recordAuthentication', params: { method, verifies } }]);
      // A redeemed code cannot be redeemed again.
      expect(stateOf(step(snapshot, submit())[0])).toBe('authenticated.alreadyUsed');
    }
  });

  it('a wrong code → pending.wrongCode; the code can be tried again', () => {
    const [snapshot, actions] = step(verifying(), rejected());
    expect(stateOf(snapshot)).toBe('pending.wrongCode');
    expect(snapshot.context.attempts).toBe(1);
    expect(effects(actions)).toEqual([]);
    expect(stateOf(step(snapshot, submit())[0])).toBe('pending.verifying');
  });

  it('the maxFailures-th wrong code locks: the identifier is locked out for the lockout duration', () => {
    let snapshot = step(verifying(), rejected())[0];
    snapshot = step(step(snapshot, submit())[0], rejected())[0];
    const [locked, actions] = step(step(snapshot, submit(T0 + 2 * MINUTE))[0], rejected(T0 + 2 * MINUTE));
    expect(stateOf(locked)).toBe('locked.holding');
    expect(locked.context).toMatchObject({ attempts: 3, lockedUntil: T0 + 17 * MINUTE });
    expect(effects(actions)).toEqual([{ type: 'lockIdentifier', params: { until: T0 + 17 * MINUTE } }]);
    // While the lock lasts every submission is refused as locked; after it there is no code.
    expect(stateOf(step(locked, submit(T0 + 3 * MINUTE))[0])).toBe('locked.refusing');
    expect(stateOf(step(locked, submit(T0 + 17 * MINUTE))[0])).toBe('locked.over');
  });

  it('carried attempts count: the last one locks, and with none left the code is not even compared', () => {
    expect(stateOf(step(verifying({ replaced: { attempts: 2, expiresAt: T0 + 1 } }), rejected())[0])).toBe('locked.holding');
    const [locked, actions] = step(waiting({ replaced: { attempts: 3, expiresAt: T0 + 1 } }), submit());
    expect(stateOf(locked)).toBe('locked.holding');
    expect(effects(actions).map((effect) => effect.type)).toEqual(['lockIdentifier']);
  });

  it('carries the replaced code’s attempts only while that code would still have been live at the send', () => {
    const [live] = initialTransition(otpMachine, { ...input, replaced: { attempts: 2, expiresAt: T0 + 1 } });
    expect(live.context.attempts).toBe(2);
    // A replaced code that had already expired (or none at all) leaves a fresh count.
    const [lapsed] = initialTransition(otpMachine, { ...input, replaced: { attempts: 2, expiresAt: T0 } });
    expect(lapsed.context.attempts).toBe(0);
    expect(initialTransition(otpMachine, input)[0].context.attempts).toBe(0);
  });

  it('a send for a disabled user issues and delivers nothing (ahead of a lockout); a code submitted there finds none', () => {
    const [snapshot, actions] = initialTransition(otpMachine, { ...input, userStatus: 'Disabled', lockedOutUntil: T0 + MINUTE });
    expect(stateOf(snapshot)).toBe('userDisabled.refusedSend');
    expect(effects(actions)).toEqual([]);
    expect(stateOf(step(snapshot, submit())[0])).toBe('userDisabled.noCode');
    // Pending and active users are sent their code alike.
    expect(initialTransition(otpMachine, { ...input, userStatus: 'Pending' })[0].value).toBe('sending');
  });

  it('a user disabled since the send: the attempt is counted and compared; a right code answers the refusal, a wrong one a wrong code', () => {
    const [snapshot, actions] = step(waiting(), submit(T0 + MINUTE, { userStatus: 'Disabled' }));
    expect(stateOf(snapshot)).toBe('pending.verifyingForDisabledUser');
    expect(snapshot.context.attempts).toBe(1);
    expect(effects(actions)).toEqual([{ type: 'comparePasscode', params: undefined }]);
    const [refused, refusedActions] = step(snapshot, accepted());
    expect(stateOf(refused)).toBe('pending.userDisabled');
    expect(effects(refusedActions)).toEqual([]);
    expect(stateOf(step(snapshot, rejected())[0])).toBe('pending.wrongCode');
    // The code stays redeemable by a right request.
    expect(stateOf(step(step(refused, submit(T0 + 2 * MINUTE))[0], accepted(T0 + 2 * MINUTE))[0])).toBe('authenticated.redeemed');
  });

  it('a resource the app does not list is refused only to a right code, ahead of the user’s status; none asked is fine', () => {
    const asked = { resource: 'https://elsewhere.example', allowedResources: ['https://api.example'] };
    const [snapshot] = step(waiting(), submit(T0 + MINUTE, { ...asked, userStatus: 'Disabled' }));
    expect(stateOf(snapshot)).toBe('pending.verifyingForOtherResource');
    expect(snapshot.context.attempts).toBe(1);
    expect(stateOf(step(snapshot, accepted())[0])).toBe('pending.resourceRefused');
    expect(stateOf(step(snapshot, rejected())[0])).toBe('pending.wrongCode');
    expect(stateOf(step(waiting(), submit(T0 + MINUTE, { ...asked, resource: 'https://api.example' }))[0])).toBe('pending.verifying');
    expect(stateOf(step(waiting(), submit(T0 + MINUTE, { ...asked, resource: null }))[0])).toBe('pending.verifying');
  });

  it('a newer send supersedes the pending code; the old flow refuses it from then on', () => {
    const [snapshot] = step(waiting(), { type: 'challenge.superseded', at: T0 + MINUTE });
    expect(stateOf(snapshot)).toBe('superseded.replaced');
    expect(stateOf(step(snapshot, submit())[0])).toBe('superseded.refused');
    const [start] = initialTransition(otpMachine, input);
    expect(stateOf(step(start, { type: 'challenge.superseded', at: T0 })[0])).toBe('superseded.replaced');
  });

  it('keeps approval data in context, and survives a JSON round trip in a nested state', () => {
    const snapshot = verifying({ approvalData: { amount: 10 } });
    const stored = JSON.parse(JSON.stringify(otpMachine.getPersistedSnapshot(snapshot)));
    const restored = otpMachine.resolveState(stored);
    expect(stateOf(restored)).toBe('pending.verifying');
    expect(restored.context.approvalData).toEqual({ amount: 10 });
    expect(stateOf(step(restored, accepted())[0])).toBe('authenticated.redeemed');
  });
});
