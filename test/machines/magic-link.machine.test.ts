import { describe, expect, it } from 'vitest';
import { getShortestPaths } from 'xstate/graph';
import { initialTransition, transition } from 'xstate';
import { type MagicLinkInput, magicLinkMachine } from '../../machines/magic-link.machine.js';
import { effectsOf } from '../helpers/machine-effects.js';

// The magic-link statechart, driven through every transition with explicit event times: no I/O,
// no clock, only the returned snapshot and the named effects.

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const MINUTE = 60_000;
const input: MagicLinkInput = {
  userId: 'user-1',
  redirectUri: 'https://app.example/verify',
  state: 'xyz',
  channel: 'email',
  expiresAt: T0 + 15 * MINUTE,
  requestId: null,
};

const effects = effectsOf;

function delivered(at = T0 + 1000) {
  const [start] = initialTransition(magicLinkMachine, input);
  return transition(magicLinkMachine, start, { type: 'challenge.delivered', at });
}

describe('magic-link machine', () => {
  it('starts in issuing and asks for a challenge and its delivery', () => {
    const [snapshot, actions] = initialTransition(magicLinkMachine, input);
    expect(snapshot.value).toBe('issuing');
    expect(snapshot.context).toMatchObject({ ...input, deliveredAt: null });
    expect(effects(actions)).toEqual([
      { type: 'issueChallenge', params: { kind: 'link' } },
      { type: 'deliverChallenge', params: { channel: 'email' } },
    ]);
  });

  it('passes the direct channel to the delivery effect', () => {
    const [, actions] = initialTransition(magicLinkMachine, { ...input, channel: 'direct' });
    expect(effects(actions)).toContainEqual({ type: 'deliverChallenge', params: { channel: 'direct' } });
  });

  it('issuing → awaitingCode when the link was delivered, recording when', () => {
    const [snapshot, actions] = delivered(T0 + 1234);
    expect(snapshot.value).toBe('awaitingCode');
    expect(snapshot.context.deliveredAt).toBe(T0 + 1234);
    expect(effects(actions)).toEqual([]);
  });

  it('issuing → deliveryFailed when the link could not be delivered, revoking the code', () => {
    const [start] = initialTransition(magicLinkMachine, input);
    const [snapshot, actions] = transition(magicLinkMachine, start, { type: 'challenge.undeliverable', reason: 'smtp_unreachable', at: T0 + 1 });
    expect(snapshot.value).toBe('deliveryFailed');
    expect(snapshot.status).toBe('done');
    expect(effects(actions)).toEqual([{ type: 'revokeChallenge', params: undefined }]);
  });

  it('awaitingCode → authenticated on a code submitted in time: consume, record, issue tokens', () => {
    const [waiting] = delivered();
    const [snapshot, actions] = transition(magicLinkMachine, waiting, { type: 'code.submit', requestId: null, at: T0 + 15 * MINUTE - 1 });
    expect(snapshot.value).toBe('authenticated');
    expect(snapshot.status).toBe('done');
    expect(effects(actions)).toEqual([
      { type: 'consumeChallenge', params: undefined },
      { type: 'recordAuthentication', params: { method: 'eml', verifies: 'email' } },
      { type: 'issueTokens', params: undefined },
    ]);
  });

  it('awaitingCode → expired at the expiry instant and after, revoking the code', () => {
    const [waiting] = delivered();
    for (const at of [T0 + 15 * MINUTE, T0 + 60 * MINUTE]) {
      const [snapshot, actions] = transition(magicLinkMachine, waiting, { type: 'code.submit', requestId: null, at });
      expect(snapshot.value).toBe('expired');
      expect(effects(actions)).toEqual([{ type: 'revokeChallenge', params: undefined }]);
    }
  });

  it('issuing → authenticated or expired when the code arrives before the delivery outcome was saved', () => {
    const [start] = initialTransition(magicLinkMachine, input);
    expect(transition(magicLinkMachine, start, { type: 'code.submit', requestId: null, at: T0 + 1 })[0].value).toBe('authenticated');
    expect(transition(magicLinkMachine, start, { type: 'code.submit', requestId: null, at: T0 + 16 * MINUTE })[0].value).toBe('expired');
  });

  it('with a request id, a code submitted without it (or with another) is no transition at all', () => {
    const [start] = initialTransition(magicLinkMachine, { ...input, requestId: 'req-1' });
    const [waiting] = transition(magicLinkMachine, start, { type: 'challenge.delivered', at: T0 });
    for (const requestId of [null, 'req-2']) {
      const [same, actions] = transition(magicLinkMachine, waiting, { type: 'code.submit', requestId, at: T0 + MINUTE });
      expect(same.value).toBe('awaitingCode');
      expect(effects(actions)).toEqual([]);
    }
    const [done] = transition(magicLinkMachine, waiting, { type: 'code.submit', requestId: 'req-1', at: T0 + MINUTE });
    expect(done.value).toBe('authenticated');
  });

  it('final states accept nothing: a redeemed code cannot be redeemed again', () => {
    const [waiting] = delivered();
    const [done] = transition(magicLinkMachine, waiting, { type: 'code.submit', requestId: null, at: T0 + MINUTE });
    expect(done.can({ type: 'code.submit', requestId: null, at: T0 + 2 * MINUTE })).toBe(false);
    expect(waiting.can({ type: 'challenge.delivered', at: T0 })).toBe(false);
  });

  it('survives a JSON round trip of its persisted snapshot (how the runner stores it)', () => {
    const [waiting] = delivered();
    const stored = JSON.parse(JSON.stringify(magicLinkMachine.getPersistedSnapshot(waiting)));
    const restored = magicLinkMachine.resolveState(stored);
    expect(restored.value).toBe('awaitingCode');
    const [next] = transition(magicLinkMachine, restored, { type: 'code.submit', requestId: null, at: T0 + MINUTE });
    expect(next.value).toBe('authenticated');
  });

  it('reaches every state', () => {
    const paths = getShortestPaths(magicLinkMachine, {
      input,
      events: [
        { type: 'challenge.delivered', at: T0 },
        { type: 'challenge.undeliverable', reason: 'x', at: T0 },
        { type: 'code.submit', requestId: null, at: T0 + MINUTE },
        { type: 'code.submit', requestId: null, at: T0 + 20 * MINUTE },
      ],
    });
    const reached = new Set(paths.map((path) => String(path.state.value)));
    expect([...reached].sort()).toEqual(['authenticated', 'awaitingCode', 'deliveryFailed', 'expired', 'issuing']);
  });
});
