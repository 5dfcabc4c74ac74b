import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { type MagicLinkEvent, magicLinkMachine } from '../../machines/magic-link.machine.js';
import type { MagicLinkInput } from '../../machines/magic-link.context.js';
import type { NamedSessionVerdict } from '../../machines/shared/events.js';
import { stateValueToString } from '../../machines/shared/state-value.js';
import { effectsOf as effects } from '../helpers/machine-effects.js';

// The magic-link statechart, transition by transition, with explicit event times: no I/O, no
// clock, only the returned snapshot and the named effects.

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const MINUTE = 60_000;
const input: MagicLinkInput = {
  userId: 'user-1',
  redirectUri: 'https://app.example/verify',
  state: 'xyz',
  channel: 'email',
  expiresAt: T0 + 15 * MINUTE,
  requestId: null,
  userStatus: 'Active',
  retryDelaysMs: [2_000, 10_000],
};
type Snapshot = ReturnType<typeof magicLinkMachine.resolveState>;
const stateOf = (snapshot: { value: unknown }) => stateValueToString(snapshot.value);
const step = (snapshot: Snapshot, event: MagicLinkEvent) => transition(magicLinkMachine, snapshot, event);
const submit = (at = T0 + MINUTE, requestId: string | null = null, session: NamedSessionVerdict = null): MagicLinkEvent => ({
  type: 'code.submit',
  requestId,
  session,
  userStatus: 'Active',
  resource: null,
  allowedResources: [],
  at,
});
const start = (overrides: Partial<MagicLinkInput> = {}) => initialTransition(magicLinkMachine, { ...input, ...overrides })[0];
const delivered = (overrides: Partial<MagicLinkInput> = {}) => step(start(overrides), { type: 'challenge.delivered', at: T0 + 1000 })[0];
const RECORD = [{ type: 'recordAuthentication', params: { method: 'eml', verifies: 'email' } }];

describe('magic-link machine', () => {
  it('starts issuing: a code, and its delivery by email', () => {
    const [snapshot, actions] = initialTransition(magicLinkMachine, input);
    expect(snapshot.value).toBe('issuing');
    expect(snapshot.context).toMatchObject({ ...input, deliveredAt: null, deliveryFault: null });
    expect(effects(actions)).toEqual([
      { type: 'issueChallenge', params: undefined },
      { type: 'holdDelivery', params: undefined },
      { type: 'deliverChallenge', params: { channel: 'email' } },
    ]);
  });

  it('a direct link is handed back in the answer: issued, nothing to deliver, awaiting its code at once', () => {
    const [snapshot, actions] = initialTransition(magicLinkMachine, { ...input, channel: 'direct' });
    expect(stateOf(snapshot)).toBe('awaitingCode.waiting');
    expect(snapshot.context.deliveredAt).toBeNull();
    expect(effects(actions)).toEqual([{ type: 'issueChallenge', params: undefined }]);
  });

  it('issuing → awaitingCode when delivered, recording when; → deliveryFailed with the fault otherwise', () => {
    expect(stateOf(delivered())).toBe('awaitingCode.waiting');
    expect(delivered().context.deliveredAt).toBe(T0 + 1000);
    const [failed, actions] = step(start(), { type: 'challenge.undeliverable', reason: 'smtp_auth_failed', fault: 'configuration', at: T0 + 1 });
    expect(stateOf(failed)).toBe('deliveryFailed.undelivered');
    expect(failed.context.deliveryFault).toBe('configuration');
    expect(effects(actions)).toEqual([{ type: 'releaseDelivery', params: undefined }]);
    expect(stateOf(step(failed, submit())[0])).toBe('deliveryFailed.refused');
    // An outage is retried on the flow's schedule; the last retry's failure ends the delivery.
    const outage = (at: number): MagicLinkEvent => ({ type: 'challenge.undeliverable', reason: 'smtp_unavailable', fault: 'outage', at });
    const [retrying, retryActions] = step(start(), outage(T0 + 1));
    expect(stateOf(retrying)).toBe('retrying');
    expect(effects(retryActions)).toEqual([{ type: 'scheduleDelivery', params: { afterMs: 2_000, attempts: 1 } }]);
    expect(stateOf(step(retrying, { type: 'challenge.delivered', at: T0 + 2_001 })[0])).toBe('awaitingCode.waiting');
    const [last] = step(retrying, outage(T0 + 2_001));
    expect(stateOf(step(last, outage(T0 + 12_001))[0])).toBe('deliveryFailed.undelivered');
  });

  it('a code submitted in time → authenticated: record the login, issue tokens; a second submission is refused', () => {
    const [snapshot, actions] = step(delivered(), submit(T0 + 15 * MINUTE - 1));
    expect(stateOf(snapshot)).toBe('authenticated.redeemed');
    expect(effects(actions)).toEqual(RECORD);
    expect(stateOf(step(snapshot, submit(T0 + 2 * MINUTE))[0])).toBe('authenticated.alreadyUsed');
  });

  it('at the expiry instant and after → expired; later submissions refused', () => {
    for (const at of [T0 + 15 * MINUTE, T0 + 60 * MINUTE]) {
      const [snapshot, actions] = step(delivered(), submit(at));
      expect(stateOf(snapshot)).toBe('expired.lapsed');
      expect(effects(actions)).toEqual([]);
      expect(stateOf(step(snapshot, submit(at))[0])).toBe('expired.refused');
    }
  });

  it('the code arriving before the delivery outcome was saved is judged the same', () => {
    expect(stateOf(step(start(), submit(T0 + 1))[0])).toBe('authenticated.redeemed');
    expect(stateOf(step(start(), submit(T0 + 16 * MINUTE))[0])).toBe('expired.lapsed');
  });

  it('with a request id, a submission without it (or with another) is refused and the code stays redeemable', () => {
    const waiting = delivered({ requestId: 'req-1' });
    for (const requestId of [null, 'req-2']) {
      const [refused, actions] = step(waiting, submit(T0 + MINUTE, requestId));
      expect(stateOf(refused)).toBe('awaitingCode.requestIdRefused');
      expect(effects(actions)).toEqual([]);
      expect(stateOf(step(refused, submit(T0 + MINUTE, 'req-1'))[0])).toBe('authenticated.redeemed');
    }
  });

  it('naming a session that cannot take the factor is refused, names no effect, and the code stays redeemable', () => {
    const [refused, actions] = step(delivered(), submit(T0 + MINUTE, null, 'refused'));
    expect(stateOf(refused)).toBe('awaitingCode.sessionRefused');
    expect(effects(actions)).toEqual([]);
    expect(stateOf(step(refused, submit(T0 + MINUTE, null, 'usable'))[0])).toBe('authenticated.redeemed');
  });

  it('a send for a disabled user issues and delivers nothing', () => {
    const [snapshot, actions] = initialTransition(magicLinkMachine, { ...input, userStatus: 'Disabled' });
    expect(stateOf(snapshot)).toBe('userDisabled.refusedSend');
    expect(effects(actions)).toEqual([]);
    expect(stateOf(step(snapshot, submit())[0])).toBe('userDisabled.refused');
  });

  it('a resource the app does not list, then a user disabled since the send, are refused; the code stays redeemable', () => {
    const base = submit() as Extract<MagicLinkEvent, { type: 'code.submit' }>;
    const [other, otherActions] = step(delivered(), { ...base, resource: 'https://elsewhere.example', allowedResources: ['https://api.example'], userStatus: 'Disabled' });
    expect(stateOf(other)).toBe('awaitingCode.resourceRefused');
    expect(effects(otherActions)).toEqual([]);
    const [disabled, disabledActions] = step(other, { ...base, resource: 'https://api.example', allowedResources: ['https://api.example'], userStatus: 'Disabled' });
    expect(stateOf(disabled)).toBe('awaitingCode.userDisabled');
    expect(effects(disabledActions)).toEqual([]);
    const [redeemed, actions] = step(disabled, base);
    expect(stateOf(redeemed)).toBe('authenticated.redeemed');
    expect(effects(actions)).toEqual(RECORD);
  });

  it('a newer send supersedes it, from issuing or awaiting; the old code is refused from then on', () => {
    for (const from of [start(), delivered()]) {
      const [snapshot] = step(from, { type: 'challenge.superseded', at: T0 + MINUTE });
      expect(stateOf(snapshot)).toBe('superseded.replaced');
      expect(stateOf(step(snapshot, submit())[0])).toBe('superseded.refused');
    }
  });

  it('survives a JSON round trip of its state (how the runner stores it)', () => {
    const restored = magicLinkMachine.resolveState(JSON.parse(JSON.stringify(magicLinkMachine.getPersistedSnapshot(delivered()))));
    expect(stateOf(restored)).toBe('awaitingCode.waiting');
    expect(stateOf(step(restored, submit())[0])).toBe('authenticated.redeemed');
  });
});
