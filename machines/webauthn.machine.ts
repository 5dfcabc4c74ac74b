import { assign, setup } from 'xstate';
import { declareEffects, type NoParams } from './shared/effects.js';
import type { Timed } from './shared/events.js';
import type { Attachment, WebauthnContext, WebauthnInput } from './webauthn.context.js';

// One WebAuthn ceremony (mosaic-backend-api.md §2.14): a registration or an authentication, one
// per `webauthn_session_id`, started by `…/start` with a fresh challenge (only its HMAC is kept,
// beside the flow: the result's challenge finds its flow). Read this machine and you know every
// outcome of a passkey result:
// - a result submitted once the ceremony's timeout has passed is refused (`expired`);
// - otherwise it is verified (inline: one signature check) by the maintained library, and the
//   verdict comes back as an event: an origin the app does not list, a result made for another
//   relying party, a malformed or forged result, a user not verified where the app requires it,
//   a credential nobody registered (or already registered, or a username of another user) each
//   end in a named state;
// - a verified registration names the passkey to start (`registerPasskey`: the use case starts its
//   instance, machines/passkey.machine.ts) and is done;
// - a verified assertion is judged by its passkey (resource, session, user, signature counter) in
//   the same transaction, whose outcome is handed back (`webauthn.concluded`): done, a suspected
//   clone, or a refusal;
// - a ceremony is single use: every state after `issued` is spent, and a result submitted again
//   (even after a failure, even by two requests at once: the flow row's version serialises them)
//   is refused in a state of its own.

/** Why the verification refused a result (the library's finding, or our pre-checks of it). */
type RejectionReason = 'origin' | 'rpId' | 'signature' | 'format' | 'userVerification';

/** How the passkey machine judged a verified assertion (its state, as the use case read it). */
type PasskeyOutcome = 'authenticated' | 'cloneSuspected' | 'userDisabled' | 'sessionRefused' | 'resourceRefused' | 'revoked';

export type WebauthnEvent =
  // The result itself travels with the request to the verifying effect, never in an event.
  | ({ readonly type: 'webauthn.submit' } & Timed)
  | ({
      readonly type: 'webauthn.attested';
      readonly credentialKey: string;
      readonly counter: number;
      readonly userVerified: boolean;
      readonly aaguid: string;
      readonly attachment: Attachment;
    } & Timed)
  | ({ readonly type: 'webauthn.asserted'; readonly credentialKey: string; readonly counter: number; readonly userVerified: boolean } & Timed)
  | ({ readonly type: 'webauthn.rejected'; readonly reason: RejectionReason } & Timed)
  | ({ readonly type: 'webauthn.unknownCredential' } & Timed)
  | ({ readonly type: 'webauthn.duplicateCredential' } & Timed)
  | ({ readonly type: 'webauthn.usernameTaken' } & Timed)
  | ({ readonly type: 'webauthn.concluded'; readonly outcome: PasskeyOutcome } & Timed);

export interface WebauthnEffects extends Record<string, unknown> {
  /** Verify the submitted result against this ceremony (inline: CPU only); reports the verdict. */
  verifyCeremony: NoParams;
  /** A verified registration: the use case starts the passkey's instance (machines/passkey.machine.ts)
   * from the verified result it holds (the public key travels with the request, never in an event). */
  registerPasskey: NoParams;
}

export const WEBAUTHN_EFFECTS = ['verifyCeremony', 'registerPasskey'] as const satisfies readonly (keyof WebauthnEffects)[];

/** A spent outcome: where the ceremony rests, and where a result submitted again is refused. */
const spent = { initial: 'refused', states: { refused: {}, reused: {} }, on: { 'webauthn.submit': '.reused' } } as const;

export const webauthnMachine = setup({
  types: { input: {} as WebauthnInput, context: {} as WebauthnContext, events: {} as WebauthnEvent },
  actions: {
    ...declareEffects<WebauthnEffects>(WEBAUTHN_EFFECTS),
    keepVerdict: assign({
      verdict: ({ context, event }) => {
        if (event.type === 'webauthn.attested')
          return { credentialKey: event.credentialKey, counter: event.counter, userVerified: event.userVerified, aaguid: event.aaguid, attachment: event.attachment };
        if (event.type === 'webauthn.asserted') return { credentialKey: event.credentialKey, counter: event.counter, userVerified: event.userVerified, aaguid: null, attachment: null };
        return context.verdict;
      },
    }),
  },
  guards: {
    // Expiry is data: the ceremony's end against the time the runner stamped on the event.
    isExpired: ({ context, event }) => event.at >= context.expiresAt,
    isRegistration: ({ context }) => context.ceremony === 'registration',
    isAuthentication: ({ context }) => context.ceremony === 'authentication',
    // The library is asked to require it too; judged here as well, so the state names it.
    isUserNotVerified: ({ context, event }) => context.userVerification === 'required' && (event.type === 'webauthn.attested' || event.type === 'webauthn.asserted') && !event.userVerified,
    isOriginRejected: ({ event }) => event.type === 'webauthn.rejected' && event.reason === 'origin',
    isRpIdRejected: ({ event }) => event.type === 'webauthn.rejected' && event.reason === 'rpId',
    isUserVerificationRejected: ({ event }) => event.type === 'webauthn.rejected' && event.reason === 'userVerification',
    isAuthenticated: ({ event }) => event.type === 'webauthn.concluded' && event.outcome === 'authenticated',
    isCloneSuspected: ({ event }) => event.type === 'webauthn.concluded' && event.outcome === 'cloneSuspected',
    isUserDisabled: ({ event }) => event.type === 'webauthn.concluded' && event.outcome === 'userDisabled',
    isSessionRefused: ({ event }) => event.type === 'webauthn.concluded' && event.outcome === 'sessionRefused',
    isResourceRefused: ({ event }) => event.type === 'webauthn.concluded' && event.outcome === 'resourceRefused',
  },
}).createMachine({
  id: 'webauthn',
  context: ({ input }) => ({ ...input, verdict: null }),
  initial: 'issued',
  states: {
    // The options went back to the caller; the ceremony waits for the browser's result.
    issued: { on: { 'webauthn.submit': [{ guard: 'isExpired', target: 'expired' }, { target: 'verifying' }] } },
    // Never where a request ends: the verdict follows in the same step.
    verifying: {
      entry: 'verifyCeremony',
      on: {
        // A registration's result sent to a login's ceremony, or the other way round, is no valid result.
        // A verified registration is done at once (the use case starts its passkey); a verified
        // login waits for its passkey's verdict.
        'webauthn.attested': [
          { guard: 'isAuthentication', target: 'invalid' },
          { guard: 'isUserNotVerified', target: 'userNotVerified' },
          { target: 'done', actions: ['keepVerdict', 'registerPasskey'] },
        ],
        'webauthn.asserted': [
          { guard: 'isRegistration', target: 'invalid' },
          { guard: 'isUserNotVerified', target: 'userNotVerified' },
          { target: 'verified', actions: 'keepVerdict' },
        ],
        'webauthn.rejected': [
          { guard: 'isOriginRejected', target: 'wrongOrigin' },
          { guard: 'isRpIdRejected', target: 'wrongRp' },
          { guard: 'isUserVerificationRejected', target: 'userNotVerified' },
          { target: 'invalid' },
        ],
        'webauthn.unknownCredential': 'unknownCredential',
        'webauthn.duplicateCredential': 'duplicateCredential',
        'webauthn.usernameTaken': 'usernameTaken',
      },
    },
    // A login's verified assertion, waiting for its passkey's verdict (which follows in the same step).
    verified: {
      initial: 'awaitingPasskey',
      states: { awaitingPasskey: {}, reused: {} },
      on: {
        'webauthn.submit': '.reused',
        'webauthn.concluded': [
          { guard: 'isAuthenticated', target: 'done' },
          { guard: 'isCloneSuspected', target: 'cloneSuspected' },
          { guard: 'isUserDisabled', target: 'refused.userDisabled' },
          { guard: 'isSessionRefused', target: 'refused.sessionRefused' },
          { guard: 'isResourceRefused', target: 'refused.resourceRefused' },
          { target: 'refused.revoked' },
        ],
      },
    },
    done: { initial: 'completed', states: { completed: {}, reused: {} }, on: { 'webauthn.submit': '.reused' } },
    expired: { initial: 'lapsed', states: { lapsed: {}, refused: {} }, on: { 'webauthn.submit': '.refused' } },
    wrongOrigin: spent,
    wrongRp: spent,
    invalid: spent,
    userNotVerified: spent,
    unknownCredential: spent,
    duplicateCredential: spent,
    usernameTaken: spent,
    cloneSuspected: spent,
    // The passkey refused the login for a reason of the request, not of the result.
    refused: {
      initial: 'userDisabled',
      states: { userDisabled: {}, sessionRefused: {}, resourceRefused: {}, revoked: {}, reused: {} },
      on: { 'webauthn.submit': '.reused' },
    },
  },
});
