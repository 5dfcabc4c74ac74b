import { assign, setup } from 'xstate';
import type { PasskeyContext, PasskeyInput } from './passkey.context.js';
import { declareEffects, type NoParams } from './shared/effects.js';
import type { AuthMethod, NamedSessionVerdict, Timed } from './shared/events.js';
import { isDisabled, isResourceRefused, type ResourceRequest } from './shared/facts.js';
import type { UserStatus } from './shared/shapes.js';

// A user's passkey (a WebAuthn credential) for one app (mosaic-backend-api.md §2.14), as a
// long-lived instance: one per registered passkey, several per user. Modelled on the authenticator
// app (totp.machine.ts) without its lockout: a signature cannot be guessed, so no failure is
// counted here (the rate limiter counts requests). Read this machine and you know every outcome of
// a passkey login, once its ceremony (webauthn.machine.ts) verified the signature:
// - a resource the app does not list, a session that cannot take the factor, or a user disabled
//   meanwhile logs nobody in, and leaves the counter where it was;
// - a signature counter that did not move forward, when the authenticator keeps one, is a possible
//   clone (WebAuthn L3 §6.1.1): the passkey is suspended, and refuses every later login, the
//   genuine authenticator's too, until the user or the app revokes it (and a new one is
//   registered). Counters that stay 0 are authenticators that keep none (most platform passkeys);
//   they are never a regression. Both counters reach the log (the event's and the context's); the
//   public key never does;
// - otherwise the login is recorded, with the new counter, and handed to the session flow;
// - a revoked passkey refuses every login; its public key is forgotten;
// - a disabled user registers no passkey: the registration ends in `refusedRegistration` (its
//   write is rolled back by the use case: nothing of it is kept).

export type PasskeyEvent =
  | ({
      readonly type: 'passkey.assert';
      /** The signature counter of the verified assertion (authenticator data, `signCount`). */
      readonly counter: number;
      readonly session: NamedSessionVerdict;
      /** The user's status as loaded for this login. */
      readonly userStatus: UserStatus;
    } & ResourceRequest &
      Timed)
  | ({ readonly type: 'passkey.revoke' } & Timed);

const WEBAUTHN_METHOD: AuthMethod = 'webauthn';

export interface PasskeyEffects extends Record<string, unknown> {
  /** Forget the public key of a revoked passkey and free its slot (inline: part of the revoking write). */
  forgetPublicKey: NoParams;
  /** The verdict, handed to the session flow's post-login step (src/flows/session/post-login.ts). */
  recordAuthentication: { readonly method: AuthMethod; readonly verifies: null };
}

export const PASSKEY_EFFECTS = ['forgetPublicKey', 'recordAuthentication'] as const satisfies readonly (keyof PasskeyEffects)[];

/** A counter that did not move forward, unless neither side ever counted (both 0: no counter kept). */
export const isCounterRegressed = (stored: number, presented: number): boolean => (presented > 0 || stored > 0) && presented <= stored;

export const passkeyMachine = setup({
  types: { input: {} as PasskeyInput, context: {} as PasskeyContext, events: {} as PasskeyEvent },
  actions: {
    ...declareEffects<PasskeyEffects>(PASSKEY_EFFECTS),
    useCounter: assign(({ context, event }) => ({ counter: event.type === 'passkey.assert' ? event.counter : context.counter, lastUsedAt: event.at })),
    noteSuspicion: assign({ suspectedAt: ({ event }) => event.at }),
  },
  guards: {
    isUserDisabledAtRegistration: ({ context }) => isDisabled(context.userStatus),
    isResourceRefused: ({ event }) => event.type === 'passkey.assert' && isResourceRefused(event),
    isSessionRefused: ({ event }) => event.type === 'passkey.assert' && event.session === 'refused',
    isUserDisabled: ({ event }) => event.type === 'passkey.assert' && isDisabled(event.userStatus),
    isCounterRegressed: ({ context, event }) => event.type === 'passkey.assert' && isCounterRegressed(context.counter, event.counter),
  },
}).createMachine({
  id: 'passkey',
  context: ({ input }) => ({ ...input, lastUsedAt: null, suspectedAt: null }),
  initial: 'registering',
  states: {
    registering: { always: [{ guard: 'isUserDisabledAtRegistration', target: 'refusedRegistration' }, { target: 'active' }] },
    // Never kept: the use case answers it and rolls the registration back.
    refusedRegistration: { type: 'final' },
    active: {
      initial: 'ready',
      on: {
        'passkey.assert': [
          // Refusals that are no fault of the authenticator: judged before the counter, which stays.
          { guard: 'isResourceRefused', target: '.resourceRefused' },
          { guard: 'isSessionRefused', target: '.sessionRefused' },
          { guard: 'isUserDisabled', target: '.userDisabled' },
          { guard: 'isCounterRegressed', target: '#passkey.suspended.cloneSuspected', actions: 'noteSuspicion' },
          // Re-entered, so that each login records its own authentication.
          { target: '.authenticated', reenter: true, actions: 'useCounter' },
        ],
        'passkey.revoke': { target: '#passkey.revoked' },
      },
      states: {
        ready: {},
        resourceRefused: {},
        sessionRefused: {},
        userDisabled: {},
        authenticated: { entry: [{ type: 'recordAuthentication', params: { method: WEBAUTHN_METHOD, verifies: null } }] },
      },
    },
    // Which of two authenticators holding this key is the genuine one cannot be told: both are
    // refused from now on. Only revocation leaves (no operator reinstates a possible clone).
    suspended: {
      initial: 'cloneSuspected',
      states: { cloneSuspected: {}, refusing: {} },
      on: { 'passkey.assert': '.refusing', 'passkey.revoke': { target: '#passkey.revoked' } },
    },
    revoked: { entry: 'forgetPublicKey', initial: 'done', states: { done: {}, refused: {} }, on: { 'passkey.assert': '.refused' } },
  },
});
