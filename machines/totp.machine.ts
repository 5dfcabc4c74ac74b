import { assign, setup } from 'xstate';
import { declareEffects, type NoParams } from './shared/effects.js';
import type { AuthMethod, NamedSessionVerdict, Timed } from './shared/events.js';
import { isDisabled, isResourceRefused, type ResourceRequest } from './shared/facts.js';
import type { UserStatus } from './shared/shapes.js';
import type { TotpContext, TotpInput, TotpPolicy } from './totp.context.js';
import { lockout } from './shared/lockout.js';

// A user's authenticator app (TOTP, RFC 6238) for one app (mosaic-backend-api.md §2.11), as a
// long-lived instance. Read this machine and you know every outcome of a TOTP login:
// - a session that cannot take the factor, or a lockout in force, refuses a code before anything
//   is counted; otherwise one attempt is counted, then the code is compared (inline, under the
//   credential's row lock: cheap HMACs) and comes back as `totp.matched` (with its time step) or
//   `totp.mismatched`;
// - a code of a step already used is refused: a code accepted once is refused if presented again
//   within its window, even by two requests at once. It is not a guess (whoever sends it already
//   had the code), so its attempt is forgiven: one right code sent 20 times at once is one login,
//   not a lockout;
// - a wrong code is a failure, but the same wrong code sent again within the same time step is the
//   same guess (it is compared with the same codes, so it cannot be right this time): the
//   comparison recognises it (a keyed HMAC kept in the credential's row, never in the log) and its
//   attempt is forgiven, so one wrong code sent 20 times at once is one failure, not a lockout;
// - the `maxFailures`-th failure locks the authenticator for `lockoutMs`; the admin API unlocks it;
//   failures lapse `lockoutMs` after the latest one (never more guesses than the lock allows), so
//   every count ends: an authenticator, or a stand-in for a login that names none
//   (src/credentials/shadow-credentials.ts), settles back to where a new one starts (`totpSettlesAt`);
// - a right code of a user disabled meanwhile logs nobody in (`userDisabled`): told only to whoever
//   proved the code, forgiven like a replay (it is no guess), its step left unspent;
// - a revoked authenticator refuses every code; its seed is forgotten (nothing needs it again);
// - a disabled user registers no authenticator: the registration ends in `refusedRegistration`
//   (its write is rolled back by the use case: nothing of it is kept).

export type TotpEvent =
  | ({
      readonly type: 'totp.submit';
      readonly session: NamedSessionVerdict;
      readonly policy: TotpPolicy;
      /** The user's status as loaded for this login (a stand-in's: nobody's, never disabled). */
      readonly userStatus: UserStatus;
    } & ResourceRequest &
      Timed)
  | ({ readonly type: 'totp.matched'; readonly step: number } & Timed)
  /** `repeated`: the same wrong code as the latest one, within the same time step (the comparison
   * judges it from a keyed HMAC of the code in the row: the code itself is never logged). */
  | ({ readonly type: 'totp.mismatched'; readonly repeated: boolean } & Timed)
  | ({ readonly type: 'totp.unlock' } & Timed)
  | ({ readonly type: 'totp.revoke' } & Timed);

export const TOTP_METHOD: AuthMethod = 'totp';

export interface TotpEffects extends Record<string, unknown> {
  /** Compare the submitted code with the codes of the window (inline: cheap); reports the verdict. */
  compareTotp: NoParams;
  /** Forget the seed of a revoked authenticator (inline: part of the revoking write). */
  forgetSecret: NoParams;
  /** The verdict, handed to the session flow's post-login step (src/flows/session/post-login.ts). */
  recordAuthentication: { readonly method: AuthMethod; readonly verifies: null };
}

export const TOTP_EFFECTS = ['compareTotp', 'forgetSecret', 'recordAuthentication'] as const satisfies readonly (keyof TotpEffects)[];

/** A code of a step already used, or of an earlier one. */
const isSpent = (context: TotpContext, event: TotpEvent): boolean => event.type === 'totp.matched' && context.lastUsedStep !== null && event.step <= context.lastUsedStep;

/** The authenticator's lock, by the rule every factor's follows (machines/shared/lockout.ts): the
 * `maxFailures`-th failure locks for `lockoutMs`, and failures lapse `lockoutMs` after the latest. */
const totpLock = lockout<TotpContext, TotpEvent>({
  failures: (context) => ({ attempts: context.attempts, lockedUntil: context.lockedUntil, latestAt: context.lastFailureAt, lapseMs: context.policy?.lockoutMs ?? null }),
  policy: (context) => ({ maxFailures: context.policy?.maxFailures ?? 1, lockMs: context.policy?.lockoutMs ?? 0 }),
  submitted: (event) => (event.type === 'totp.submit' ? { maxFailures: event.policy.maxFailures, lockMs: event.policy.lockoutMs } : null),
});

/** From when the authenticator answers every code as a new one would (no lock in force, no failure
 * still counting), whatever codes it accepted: what a stand-in may be forgotten after (null: not
 * before a login clears it). */
export const totpSettlesAt = (context: TotpContext): number | null => totpLock.settlesAt(context, context.registeredAt);

/** How a wrong code is judged, whoever sent it. */
const mismatched = [
  { guard: 'isSameWrongCode', target: 'sameWrongCode', actions: 'forgiveAttempt' },
  { guard: 'isLastAttempt', target: '#totp.locked.holding', actions: ['noteFailure', 'lock'] },
  { target: 'wrongCode', actions: 'noteFailure' },
] as const;

export const totpMachine = setup({
  types: { input: {} as TotpInput, context: {} as TotpContext, events: {} as TotpEvent },
  actions: {
    ...declareEffects<TotpEffects>(TOTP_EFFECTS),
    countAttempt: assign(({ context, event }) => ({
      ...totpLock.counted(context, event.at),
      policy: event.type === 'totp.submit' ? event.policy : context.policy,
    })),
    // A replay, or the same wrong code again: not a guess, so the attempt counted for it is not one.
    forgiveAttempt: assign(({ context }) => totpLock.forgiven(context)),
    noteFailure: assign({ lastFailureAt: ({ event }) => event.at }),
    useStep: assign(({ event }) => ({ attempts: 0, lastUsedStep: event.type === 'totp.matched' ? event.step : null })),
    lock: assign(({ context, event }) => totpLock.locked(context, event.at)),
    unlock: assign(totpLock.unlocked),
  },
  guards: {
    isUserDisabledAtRegistration: ({ context }) => context.userStatus !== undefined && isDisabled(context.userStatus),
    isResourceRefused: ({ event }) => event.type === 'totp.submit' && isResourceRefused(event),
    isUserDisabled: ({ event }) => event.type === 'totp.submit' && isDisabled(event.userStatus),
    isSessionRefused: ({ event }) => event.type === 'totp.submit' && event.session === 'refused',
    ...totpLock.guards,
    isReplayed: ({ context, event }) => isSpent(context, event),
    isSameWrongCode: ({ event }) => event.type === 'totp.mismatched' && event.repeated,
  },
}).createMachine({
  id: 'totp',
  context: ({ input }) => ({ ...input, attempts: 0, lockedUntil: null, lastUsedStep: null, lastFailureAt: null, policy: null }),
  initial: 'registering',
  states: {
    registering: { always: [{ guard: 'isUserDisabledAtRegistration', target: 'refusedRegistration' }, { target: 'active' }] },
    // Never kept: the use case answers it and rolls the registration back.
    refusedRegistration: { type: 'final' },
    active: {
      initial: 'ready',
      on: {
        'totp.submit': [
          // A resource the app does not list, or a session that cannot take this factor, refuses
          // the login before anything is counted (for a stand-in alike).
          { guard: 'isResourceRefused', target: '.resourceRefused' },
          { guard: 'isSessionRefused', target: '.sessionRefused' },
          // (No lock is in force here: only `locked` holds one.)
          { guard: 'hasNoAttemptLeft', target: '#totp.locked.holding', actions: 'lock' },
          { guard: 'isUserDisabled', target: '.verifyingForDisabledUser', reenter: true },
          { target: '.verifying', reenter: true },
        ],
        'totp.unlock': { target: '.ready', actions: 'unlock' },
        'totp.revoke': { target: '#totp.revoked' },
      },
      states: {
        ready: {},
        resourceRefused: {},
        sessionRefused: {},
        // The attempt is counted on entry, before the code is compared.
        verifying: {
          entry: ['countAttempt', 'compareTotp'],
          on: {
            'totp.matched': [
              // A code of a spent step logs nobody in, and is no guess.
              { guard: 'isReplayed', target: 'replayed', actions: 'forgiveAttempt' },
              { target: 'authenticated', actions: 'useStep' },
            ],
            'totp.mismatched': mismatched,
          },
        },
        // Counted and compared like any other; a right code ends in the refusal instead of a login.
        verifyingForDisabledUser: {
          entry: ['countAttempt', 'compareTotp'],
          on: {
            'totp.matched': [
              { guard: 'isReplayed', target: 'replayed', actions: 'forgiveAttempt' },
              { target: 'userDisabled', actions: 'forgiveAttempt' },
            ],
            'totp.mismatched': mismatched,
          },
        },
        userDisabled: {},
        wrongCode: {},
        // The wrong code already counted in this time step, sent again.
        sameWrongCode: {},
        replayed: {},
        authenticated: {
          entry: [{ type: 'recordAuthentication', params: { method: TOTP_METHOD, verifies: null } }],
        },
      },
    },
    // Never left while the lock is in force: only a login after it, an unlock or a revocation leaves.
    locked: {
      initial: 'holding',
      states: { holding: {}, refusing: {}, resourceRefused: {}, sessionRefused: {} },
      on: {
        'totp.submit': [
          { guard: 'isResourceRefused', target: '.resourceRefused' },
          { guard: 'isSessionRefused', target: '.sessionRefused' },
          { guard: 'isLockInForce', target: '.refusing' },
          // The lockout is over: this attempt starts a new count (judged like any, a disabled user too).
          { guard: 'isUserDisabled', target: '#totp.active.verifyingForDisabledUser' },
          { target: '#totp.active.verifying' },
        ],
        'totp.unlock': { target: '#totp.active.ready', actions: 'unlock' },
        'totp.revoke': { target: '#totp.revoked' },
      },
    },
    revoked: { entry: 'forgetSecret', initial: 'done', states: { done: {}, refused: {} }, on: { 'totp.submit': '.refused' } },
  },
});
