import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { type RefreshFamilyEvent, refreshFamilyMachine } from '../../machines/refresh-family.machine.js';
import { stateValueToString } from '../../machines/shared/state-value.js';
import { effectsOf as effects } from '../helpers/machine-effects.js';

// A refresh-token family: rotation, reuse detection, expiry and the end of its session.

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const DAY = 24 * 60 * 60_000;
type Snapshot = ReturnType<typeof refreshFamilyMachine.resolveState>;
const stateOf = (snapshot: { value: unknown }) => stateValueToString(snapshot.value);
const minted = () => initialTransition(refreshFamilyMachine, { expiresAt: T0 + 14 * DAY })[0];
const present = (token: 'current' | 'rotatedOut', at = T0 + DAY, sessionEnded = false): RefreshFamilyEvent => ({ type: 'token.presented', token, sessionEnded, at });
const step = (snapshot: Snapshot, event: RefreshFamilyEvent) => transition(refreshFamilyMachine, snapshot, event);

describe('refresh-family machine', () => {
  it('the current token rotates: next generation, a new token, tokens issued', () => {
    const [snapshot, actions] = step(minted(), present('current'));
    expect(stateOf(snapshot)).toBe('active');
    expect(snapshot.context).toEqual({ expiresAt: T0 + 14 * DAY, generation: 1 });
    expect(effects(actions)).toEqual([
      { type: 'rotateToken', params: undefined },
      { type: 'issueTokens', params: undefined },
    ]);
    expect(step(snapshot, present('current'))[0].context.generation).toBe(2);
  });

  it('a rotated-out token presented again revokes the family: nothing of it works any more', () => {
    const rotated = step(minted(), present('current'))[0];
    const [revoked, actions] = step(rotated, present('rotatedOut'));
    expect(stateOf(revoked)).toBe('revoked.reuseDetected');
    expect(effects(actions)).toEqual([]);
    expect(stateOf(step(revoked, present('current'))[0])).toBe('revoked.refused');
    // Even after the family expired, reuse is recognised as such.
    expect(stateOf(step(rotated, present('rotatedOut', T0 + 20 * DAY))[0])).toBe('revoked.reuseDetected');
  });

  it('expires 14 days after the login, whatever the rotations', () => {
    expect(stateOf(step(minted(), present('current', T0 + 14 * DAY - 1))[0])).toBe('active');
    const [expired] = step(minted(), present('current', T0 + 14 * DAY));
    expect(stateOf(expired)).toBe('expired.lapsed');
    expect(stateOf(step(expired, present('current', T0 + 15 * DAY))[0])).toBe('expired.refused');
  });

  it('stops when its session was logged out or revoked', () => {
    const [ended] = step(minted(), present('current', T0 + DAY, true));
    expect(stateOf(ended)).toBe('sessionEnded.ended');
    expect(stateOf(step(ended, present('current'))[0])).toBe('sessionEnded.refused');
  });
});
