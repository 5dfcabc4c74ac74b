import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { stateValueToString } from '../../machines/shared/state-value.js';
import { webauthnAnswers, type WebauthnState } from '../../machines/webauthn.answers.js';
import type { WebauthnInput } from '../../machines/webauthn.context.js';
import { type WebauthnEvent, webauthnMachine } from '../../machines/webauthn.machine.js';
import { leafStates } from '../../src/engine/effect-check.js';
import { effectsOf as effects } from '../helpers/machine-effects.js';

// The WebAuthn ceremony statechart (issue 18 §3), transition by transition, with explicit event
// times: expiry as data (the boundary included), every verdict of the verification as a named
// state, a login's passkey outcome, and single use after every outcome.

const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);
const MINUTE = 60_000;
const EXPIRES = T0 + 5 * MINUTE;
const registration: WebauthnInput = {
  ceremony: 'registration',
  webauthnUsername: 'alice',
  displayName: 'Alice',
  userHandle: 'aGFuZGxl',
  requestedAt: T0,
  expiresAt: EXPIRES,
  userVerification: 'preferred',
};
const authentication: WebauthnInput = { ...registration, ceremony: 'authentication', displayName: null, userHandle: null };
const usernameless: WebauthnInput = { ...authentication, webauthnUsername: null };
type Snapshot = ReturnType<typeof webauthnMachine.resolveState>;
const stateOf = (snapshot: { value: unknown }) => stateValueToString(snapshot.value);
const step = (snapshot: Snapshot, event: WebauthnEvent) => transition(webauthnMachine, snapshot, event);
const start = (input: WebauthnInput = authentication) => initialTransition(webauthnMachine, input)[0];
const AT = T0 + MINUTE;
const submit = (at = AT): WebauthnEvent => ({ type: 'webauthn.submit', at });
const attested = (userVerified = true): WebauthnEvent => ({ type: 'webauthn.attested', at: AT, credentialKey: 'key-1', counter: 0, userVerified, aaguid: 'aaguid-1', attachment: 'platform' });
const asserted = (userVerified = true): WebauthnEvent => ({ type: 'webauthn.asserted', at: AT, credentialKey: 'key-1', counter: 7, userVerified });
type Outcome = Extract<WebauthnEvent, { type: 'webauthn.concluded' }>['outcome'];
const concluded = (outcome: Outcome): WebauthnEvent => ({ type: 'webauthn.concluded', at: AT, outcome });
/** A ceremony submitted once, with the verification's verdict. */
const judged = (input: WebauthnInput, verdict: WebauthnEvent) => step(step(start(input), submit())[0], verdict);
const answer = (state: string) => webauthnAnswers[state as WebauthnState];
const USED = { kind: 'refused', error: 'WEBAUTHN_SESSION_USED' };

describe('webauthn machine', () => {
  it('starts issued, waiting for the result, with no verdict and no effect', () => {
    const [issued, actions] = initialTransition(webauthnMachine, usernameless);
    expect(stateOf(issued)).toBe('issued');
    expect(issued.context).toEqual({ ...usernameless, verdict: null });
    expect(effects(actions)).toEqual([]);
    expect(webauthnAnswers.issued).toEqual({ kind: 'ok' });
  });

  it('expiry is data: a result one ms before the end is verified, one at the end (at == expiresAt) is expired', () => {
    const [verifying, verify] = step(start(), submit(EXPIRES - 1));
    expect(stateOf(verifying)).toBe('verifying');
    expect(effects(verify)).toEqual([{ type: 'verifyCeremony', params: undefined }]);
    expect(webauthnAnswers.verifying).toEqual({ kind: 'refused', error: 'INTERNAL' });
    const [expired, none] = step(start(), submit(EXPIRES));
    expect(stateOf(expired)).toBe('expired.lapsed');
    expect(effects(none)).toEqual([]);
    expect(webauthnAnswers['expired.lapsed']).toEqual({ kind: 'refused', error: 'WEBAUTHN_EXPIRED' });
    // Submitted again: still expired, never verified.
    const [again, nothing] = step(expired, submit(EXPIRES + MINUTE));
    expect(stateOf(again)).toBe('expired.refused');
    expect(effects(nothing)).toEqual([]);
    expect(webauthnAnswers['expired.refused']).toEqual({ kind: 'refused', error: 'WEBAUTHN_EXPIRED' });
  });

  it('a verified registration is done at once, keeps its verdict and names the passkey to start', () => {
    const [done, actions] = judged(registration, attested());
    expect(stateOf(done)).toBe('done.completed');
    expect(done.context.verdict).toEqual({ credentialKey: 'key-1', counter: 0, userVerified: true, aaguid: 'aaguid-1', attachment: 'platform' });
    expect(effects(actions)).toEqual([{ type: 'registerPasskey', params: undefined }]);
    expect(webauthnAnswers['done.completed']).toEqual({ kind: 'ok' });
  });

  it('a verified login waits for its passkey, then ends in its outcome', () => {
    const [verified, none] = judged(authentication, asserted());
    expect(stateOf(verified)).toBe('verified.awaitingPasskey');
    expect(effects(none)).toEqual([]);
    expect(verified.context.verdict).toEqual({ credentialKey: 'key-1', counter: 7, userVerified: true, aaguid: null, attachment: null });
    expect(webauthnAnswers['verified.awaitingPasskey']).toEqual({ kind: 'refused', error: 'INTERNAL' });
    const outcomes: [Outcome, string, unknown][] = [
      ['authenticated', 'done.completed', { kind: 'ok' }],
      ['cloneSuspected', 'cloneSuspected.refused', { kind: 'refused', error: 'WEBAUTHN_CLONE_SUSPECTED' }],
      ['userDisabled', 'refused.userDisabled', { kind: 'refused', error: 'USER_NOT_ACTIVE' }],
      ['sessionRefused', 'refused.sessionRefused', { kind: 'refused', error: 'SESSION_NOT_FOUND' }],
      ['resourceRefused', 'refused.resourceRefused', { kind: 'refused', error: 'RESOURCE_NOT_ALLOWED' }],
      ['revoked', 'refused.revoked', { kind: 'refused', error: 'WEBAUTHN_CREDENTIAL_NOT_FOUND' }],
    ];
    for (const [outcome, state, expected] of outcomes) {
      const [ended, actions] = step(verified, concluded(outcome));
      expect(stateOf(ended), outcome).toBe(state);
      expect(effects(actions)).toEqual([]);
      expect(answer(state), outcome).toEqual(expected);
    }
    // A usernameless login is judged alike (the passkey found the user).
    expect(stateOf(judged(usernameless, asserted())[0])).toBe('verified.awaitingPasskey');
  });

  it.each([
    ['an origin the app does not list', { type: 'webauthn.rejected', reason: 'origin', at: AT }, 'wrongOrigin.refused', 'WEBAUTHN_ORIGIN_NOT_ALLOWED'],
    ['a result made for another relying party', { type: 'webauthn.rejected', reason: 'rpId', at: AT }, 'wrongRp.refused', 'WEBAUTHN_RP_MISMATCH'],
    ['a forged signature', { type: 'webauthn.rejected', reason: 'signature', at: AT }, 'invalid.refused', 'WEBAUTHN_INVALID_RESULT'],
    ['a malformed result', { type: 'webauthn.rejected', reason: 'format', at: AT }, 'invalid.refused', 'WEBAUTHN_INVALID_RESULT'],
    ['no user verification where required (the library says)', { type: 'webauthn.rejected', reason: 'userVerification', at: AT }, 'userNotVerified.refused', 'WEBAUTHN_INVALID_RESULT'],
    ['a credential nobody registered', { type: 'webauthn.unknownCredential', at: AT }, 'unknownCredential.refused', 'WEBAUTHN_CREDENTIAL_NOT_FOUND'],
    ['a credential already registered', { type: 'webauthn.duplicateCredential', at: AT }, 'duplicateCredential.refused', 'WEBAUTHN_CREDENTIAL_EXISTS'],
    ['a username of another user', { type: 'webauthn.usernameTaken', at: AT }, 'usernameTaken.refused', 'WEBAUTHN_USERNAME_TAKEN'],
  ] as const)('%s ends the ceremony in its own state', (_name, verdict, state, error) => {
    const [failed, actions] = judged(authentication, verdict);
    expect(stateOf(failed)).toBe(state);
    expect(effects(actions)).toEqual([]);
    expect(failed.context.verdict).toBeNull();
    expect(answer(state)).toEqual({ kind: 'refused', error });
  });

  it('the machine names a missing user verification itself, where the app requires it (not where it prefers it)', () => {
    const required = { ...registration, userVerification: 'required' } as const;
    expect(stateOf(judged(required, attested(false))[0])).toBe('userNotVerified.refused');
    expect(stateOf(judged({ ...authentication, userVerification: 'required' }, asserted(false))[0])).toBe('userNotVerified.refused');
    expect(stateOf(judged(required, attested(true))[0])).toBe('done.completed');
    expect(stateOf(judged(registration, attested(false))[0])).toBe('done.completed');
    expect(stateOf(judged(authentication, asserted(false))[0])).toBe('verified.awaitingPasskey');
  });

  it("a registration's result sent to a login's ceremony, or the other way round, is no valid result", () => {
    const [registrationAsLogin, none] = judged(authentication, attested());
    expect(stateOf(registrationAsLogin)).toBe('invalid.refused');
    expect(effects(none)).toEqual([]);
    expect(stateOf(judged(registration, asserted())[0])).toBe('invalid.refused');
  });

  it('single use: after every outcome, a result submitted again is refused in its .reused state, verifying nothing', () => {
    const outcomes: [string, Snapshot][] = [
      ['done (registration)', judged(registration, attested())[0]],
      ['done (login)', step(judged(authentication, asserted())[0], concluded('authenticated'))[0]],
      ['verified', judged(authentication, asserted())[0]],
      ['cloneSuspected', step(judged(authentication, asserted())[0], concluded('cloneSuspected'))[0]],
      ['refused', step(judged(authentication, asserted())[0], concluded('sessionRefused'))[0]],
      ['wrongOrigin', judged(authentication, { type: 'webauthn.rejected', reason: 'origin', at: AT })[0]],
      ['wrongRp', judged(authentication, { type: 'webauthn.rejected', reason: 'rpId', at: AT })[0]],
      ['invalid', judged(authentication, { type: 'webauthn.rejected', reason: 'signature', at: AT })[0]],
      ['userNotVerified', judged(authentication, { type: 'webauthn.rejected', reason: 'userVerification', at: AT })[0]],
      ['unknownCredential', judged(authentication, { type: 'webauthn.unknownCredential', at: AT })[0]],
      ['duplicateCredential', judged(registration, { type: 'webauthn.duplicateCredential', at: AT })[0]],
      ['usernameTaken', judged(registration, { type: 'webauthn.usernameTaken', at: AT })[0]],
    ];
    for (const [name, outcome] of outcomes) {
      // Still before the ceremony's end: only its single use refuses it.
      const [reused, actions] = step(outcome, submit(AT + 1));
      const top = name.split(' ')[0];
      expect(stateOf(reused), name).toBe(`${top}.reused`);
      expect(effects(actions), name).toEqual([]);
      expect(reused.context, name).toEqual(outcome.context);
      expect(answer(stateOf(reused)), name).toEqual(USED);
      // And again.
      expect(stateOf(step(reused, submit(AT + 2))[0]), name).toBe(`${top}.reused`);
    }
  });

  it('answers every state an instance can rest in, and nothing else', () => {
    expect(Object.keys(webauthnAnswers).sort()).toEqual(leafStates(webauthnMachine).sort());
  });
});
