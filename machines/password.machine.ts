import { assign, setup } from 'xstate';
import { declareEffects, type NoParams } from './shared/effects.js';
import type { AuthMethod, NamedSessionVerdict, Timed } from './shared/events.js';
import type { PasswordContext, PasswordInput, PasswordPolicy } from './password.context.js';
import { isDisabled, isResourceRefused, type ResourceRequest } from './shared/facts.js';
import type { UserStatus } from './shared/shapes.js';
import { lockout } from './shared/lockout.js';

// A user's password for one app (mosaic-backend-api.md §2.10, §2.12), as a long-lived instance.
// Read this machine and you know every outcome of a password login:
// - a login names the app's password policy of the moment; a resource the app does not list, then
//   a session that cannot take the factor, refuse it before anything is counted (for a stand-in
//   alike: nobody learns whom the login names); a lockout in force refuses it too;
// - otherwise one attempt is counted (in this context, under the credential's row lock) BEFORE the
//   password is compared; the comparison (Argon2id, slow on purpose) runs after that count is
//   committed and comes back as `password.matched` / `password.mismatched`;
// - the `maxFailures`-th wrong password locks the credential for `suspensionMs`; failures older
//   than `failuresExpireMs` stop counting;
// - a right password that is temporary (set with force_replace) or older than `expiresAfterMs`
//   authenticates nothing: it must be replaced first (403); a temporary one past
//   `temporaryValidityMs` answers as expired;
// - every verdict names the password it was made against (its `generation`): a verdict about a
//   password since replaced changes nothing, whatever state the credential is in, so a login
//   started with an old password can never log in, be told its state, or store its hash again;
//   each attempt's verdict counts, whichever attempts began since (the right password clears the
//   failures counted before it, not the guesses counted while it was compared); one that finds the
//   password locked changes nothing (the lock holds, even for the right password), and nothing
//   leaves `locked` while the lock is in force;
// - the right password of a user disabled meanwhile logs nobody in (`userDisabled`): the verdict
//   carries the user's status as loaded for the login; it is no guess, so it clears the failures
//   as a right password does;
// - a replacement (the admin API) sets a new password and clears failures and lockout.

export type PasswordEvent =
  | ({ readonly type: 'password.submit'; readonly session: NamedSessionVerdict; readonly policy: PasswordPolicy } & ResourceRequest & Timed)
  /** `userStatus`: the user's status as loaded for this login (a stand-in's: nobody's, never
   * disabled). A verdict logged before version 3 has none: it logged the user in, as it was judged. */
  | ({ readonly type: 'password.matched'; readonly generation: number; readonly attempt: number; readonly rehash: boolean; readonly userStatus: UserStatus } & Timed)
  | ({ readonly type: 'password.mismatched'; readonly generation: number; readonly attempt: number } & Timed)
  | ({ readonly type: 'password.replace'; readonly temporary: boolean } & Timed);

export const PASSWORD_METHOD: AuthMethod = 'pwd';

export interface PasswordEffects extends Record<string, unknown> {
  /** Compare the submitted password with the stored hash (after commit: the attempt is already
   * counted); reports `password.matched` (and whether the hash wants new parameters) or `.mismatched`,
   * naming the attempt it answers and the generation of the password it compared. */
  comparePassword: { readonly generation: number; readonly attempt: number };
  /** Store the password hashed again under the current parameters (in the transaction). */
  storeRehash: NoParams;
  /** Store the new password's hash (in the transaction). */
  storeSecret: NoParams;
  /** The verdict, handed to the session flow's post-login step (src/flows/session/post-login.ts). */
  recordAuthentication: { readonly method: AuthMethod; readonly verifies: null };
}

export const PASSWORD_EFFECTS = ['comparePassword', 'storeRehash', 'storeSecret', 'recordAuthentication'] as const satisfies readonly (keyof PasswordEffects)[];

/** What the right password is worth at `at` under the policy: it logs in (`good`), or must be
 * replaced first, being temporary or expired (a temporary one expires after `temporaryValidityMs`;
 * `expiresAfterMs` is for the others). Also what the User object reports of it. */
export function passwordStanding(password: Pick<PasswordContext, 'setAt' | 'temporary'>, policy: PasswordPolicy | null, at: number): 'good' | 'temporary' | 'expired' {
  const lifetime = password.temporary ? policy?.temporaryValidityMs : policy?.expiresAfterMs;
  if (lifetime != null && at >= password.setAt + lifetime) return 'expired';
  return password.temporary ? 'temporary' : 'good';
}

/** The password's lock, by the rule every factor's follows (machines/shared/lockout.ts): failures
 * lapse `failuresExpireMs` after the latest attempt, the `maxFailures`-th locks for `suspensionMs`. */
const passwordLock = lockout<PasswordContext, PasswordEvent>({
  failures: (context) => ({ attempts: context.attempts, lockedUntil: context.lockedUntil, latestAt: context.lastAttemptAt, lapseMs: context.policy?.failuresExpireMs ?? null }),
  policy: (context) => ({ maxFailures: context.policy?.maxFailures ?? 1, lockMs: context.policy?.suspensionMs ?? 0 }),
  submitted: (event) => (event.type === 'password.submit' ? { maxFailures: event.policy.maxFailures, lockMs: event.policy.suspensionMs } : null),
});

/** From when the password answers every login as a new one would (no lock in force, no failure
 * still counting), whatever it is: what a stand-in for a login that names no password
 * (src/credentials/shadow-credentials.ts) may be forgotten after (null: not before a login clears it). */
export const passwordSettlesAt = (context: PasswordContext): number | null => passwordLock.settlesAt(context, context.setAt);

export const passwordMachine = setup({
  types: { input: {} as PasswordInput, context: {} as PasswordContext, events: {} as PasswordEvent },
  actions: {
    ...declareEffects<PasswordEffects>(PASSWORD_EFFECTS),
    countAttempt: assign(({ context, event }) => ({
      ...passwordLock.counted(context, event.at),
      submitted: context.submitted + 1,
      lastAttemptAt: event.at,
      policy: event.type === 'password.submit' ? event.policy : context.policy,
    })),
    // The right password clears the failures counted before it; attempts counted after it (a guess
    // sent while it was being compared) still count.
    clearAttempts: assign(({ context, event }) => ({
      attempts: event.type === 'password.matched' ? Math.max(0, Math.min(context.attempts, context.submitted - event.attempt)) : 0,
    })),
    lock: assign(({ context, event }) => passwordLock.locked(context, event.at)),
    replace: assign(({ context, event }) => ({
      setAt: event.at,
      temporary: event.type === 'password.replace' && event.temporary,
      generation: context.generation + 1,
      ...passwordLock.unlocked,
      lastAttemptAt: null,
    })),
  },
  guards: {
    isResourceRefused: ({ event }) => event.type === 'password.submit' && isResourceRefused(event),
    isSessionRefused: ({ event }) => event.type === 'password.submit' && event.session === 'refused',
    isUserDisabled: ({ event }) => event.type === 'password.matched' && isDisabled(event.userStatus),
    ...passwordLock.guards,
    isExpired: ({ context, event }) => passwordStanding(context, context.policy, event.at) === 'expired',
    isTemporary: ({ context, event }) => passwordStanding(context, context.policy, event.at) === 'temporary',
    wantsRehash: ({ event }) => event.type === 'password.matched' && event.rehash,
    isAboutAnotherPassword: ({ context, event }) => (event.type === 'password.matched' || event.type === 'password.mismatched') && event.generation !== context.generation,
  },
}).createMachine({
  id: 'password',
  context: ({ input }) => ({ ...input, generation: 1, attempts: 0, submitted: 0, lastAttemptAt: null, lockedUntil: null, policy: null }),
  initial: 'active',
  on: {
    // A replacement (POST/PUT …/password) takes effect whatever the credential's standing.
    'password.replace': { target: '.active.ready', actions: ['replace', 'storeSecret'] },
  },
  states: {
    active: {
      initial: 'ready',
      on: {
        'password.submit': [
          // A resource the app does not list, or a session that cannot take this factor, refuses
          // the login before anything is counted.
          { guard: 'isResourceRefused', target: '.resourceRefused' },
          { guard: 'isSessionRefused', target: '.sessionRefused' },
          // (No lock is in force here: only `locked` holds one.)
          { guard: 'hasNoAttemptLeft', target: '#password.locked.holding', actions: 'lock' },
          { target: '.verifying', reenter: true },
        ],
        // Each counted attempt's verdict, whatever the attempts begun since (a wrong guess sent at
        // the same moment does not spoil the right password's login, nor the other way round).
        'password.matched': [
          // About a password replaced since: this login compared a password that is no more.
          { guard: 'isAboutAnotherPassword', target: '.replacedMeanwhile', reenter: true },
          { guard: 'isExpired', target: '.mustReplace.expired', actions: 'clearAttempts', reenter: true },
          { guard: 'isTemporary', target: '.mustReplace.temporary', actions: 'clearAttempts', reenter: true },
          { guard: 'isUserDisabled', target: '.userDisabled', actions: 'clearAttempts', reenter: true },
          { guard: 'wantsRehash', target: '.authenticated', actions: ['clearAttempts', 'storeRehash'], reenter: true },
          { target: '.authenticated', actions: 'clearAttempts', reenter: true },
        ],
        'password.mismatched': [
          { guard: 'isAboutAnotherPassword', target: '.replacedMeanwhile', reenter: true },
          { guard: 'isLastAttempt', target: '#password.locked.holding', actions: 'lock' },
          { target: '.wrongPassword', reenter: true },
        ],
      },
      states: {
        ready: {},
        resourceRefused: {},
        sessionRefused: {},
        // The attempt is counted on entry, and committed, before the password is compared.
        verifying: {
          entry: ['countAttempt', { type: 'comparePassword', params: ({ context }) => ({ generation: context.generation, attempt: context.submitted }) }],
        },
        wrongPassword: {},
        // This login's verdict was about a password replaced since it was counted.
        replacedMeanwhile: {},
        // The right password of a disabled user.
        userDisabled: {},
        authenticated: {
          entry: [{ type: 'recordAuthentication', params: { method: PASSWORD_METHOD, verifies: null } }],
        },
        // The right password, that logs nobody in until it is replaced.
        mustReplace: { initial: 'temporary', states: { temporary: {}, expired: {} } },
      },
    },
    // Never left while the lock is in force: only a login after it, or a replacement, leaves.
    locked: {
      initial: 'holding',
      states: { holding: {}, refusing: {}, resourceRefused: {}, sessionRefused: {} },
      on: {
        'password.submit': [
          { guard: 'isResourceRefused', target: '.resourceRefused' },
          { guard: 'isSessionRefused', target: '.sessionRefused' },
          { guard: 'isLockInForce', target: '.refusing' },
          // The lockout is over: this attempt starts a new count.
          { target: '#password.active.verifying' },
        ],
        // A verdict of an attempt counted before the lock: the lock holds, even for the right
        // password (its login is told so).
        'password.matched': '.holding',
        'password.mismatched': '.holding',
      },
    },
  },
});
