import { assign, setup } from 'xstate';
import { declareEffects } from './shared/effects.js';
import type { Timed } from './shared/events.js';
import type { SessionContext, SessionInput } from './session.context.js';
import { isDisabled, isResourceRefused, type ResourceRequest } from './shared/facts.js';
import type { UserStatus } from './shared/shapes.js';

// The IDP session (mosaic-backend-api.md §3), and the one judge of everything about it:
// - opened by an interactive login; each later authentication that names it (MFA step-up) adds
//   its method: methods accumulate, and two distinct methods make it multi-factor (`mfa` in amr);
// - silent authentication (SSO) by any app of the tenant slides the expiry and reports whether
//   the session meets that app's `login_preferences.mfa` policy (`step_up_required`);
// - a user access token names its session and is good only while the session stands (live, of
//   the token's user); replacing a factor asks more: that the session proved it recently;
// - silent authentication hands in the session user's status and the resource the app asks for:
//   a disabled user's session signs nobody in, and a resource the app does not list is refused
//   (each in a state of its own, the session otherwise unchanged: no slide, no tokens);
// - it ends by logout or revocation, or expires `ttlMs` after the last authentication. Expiry is
//   data: every event is judged against `expiresAt` with the time it carries, so no timer has to
//   be alive between requests;
// - a factor proven for another user, anything against an expired or ended session, a second
//   logout: each is refused in a named state, the session otherwise unchanged, and kept in its log.

/** The calling app's `login_preferences.mfa` (keystate-server.md §4). */
export interface MfaPolicy {
  readonly required: boolean;
  readonly methods?: readonly string[];
}

/** What replacing a factor asks of the session on top of standing: that it holds `method` and
 * its latest authentication is at most `withinMs` old. */
export interface RecentFactor {
  readonly method: string;
  readonly withinMs: number;
}

export type SessionEvent =
  /** A factor was proven for `userId` (an authentication naming this session). */
  | ({ readonly type: 'session.authenticate'; readonly userId: string; readonly method: string } & Timed)
  /** `userStatus`: the session user's status as loaded for this request. A silent authentication
   * logged before version 3 has neither it nor the resource fields: it asked for no resource, and
   * its user was judged by no one (replayed as it was). */
  | ({ readonly type: 'session.silentAuthenticate'; readonly mfa: MfaPolicy | null; readonly userStatus: UserStatus } & ResourceRequest & Timed)
  /** A user access token of this session is presented (its `sid`). Only ever asked of the machine
   * (the runner's `evaluate`), never applied: presenting a token writes nothing. */
  | ({ readonly type: 'session.check'; readonly userId: string; readonly recent: RecentFactor | null } & Timed)
  | ({ readonly type: 'session.logout' } & Timed)
  | ({ readonly type: 'session.revoke' } & Timed);

/** The session names no effect: what follows its verdicts (tokens minted for a silent
 * authentication or a login) is the session flow's post-login step, which reads the state reached. */
export type SessionEffects = Record<string, never>;

export const SESSION_EFFECTS = [] as const satisfies readonly (keyof SessionEffects)[];

/** Two or more distinct methods make a session multi-factor (keystate-server.md §5 item 8). */
const isMultiFactor = (methods: readonly string[]): boolean => new Set(methods).size >= 2;

/** The policy is met when the session is multi-factor and, if the app names the methods it
 * accepts, holds at least one of them. */
export function meetsMfaPolicy(methods: readonly string[], mfa: MfaPolicy | null): boolean {
  if (mfa === null || !mfa.required) return true;
  if (!isMultiFactor(methods)) return false;
  return mfa.methods === undefined || mfa.methods.length === 0 || mfa.methods.some((method) => methods.includes(method));
}

/** A silent authentication of a session that no longer stands: its resource is judged first. */
const silentRefusal = [{ guard: 'isResourceRefused', target: '.resourceRefused' }, { target: '.refused' }] as const;

const terminatedRefusals = {
  'session.authenticate': '.refused',
  'session.silentAuthenticate': silentRefusal,
  'session.check': '.refused',
  'session.logout': '.refused',
  'session.revoke': '.refused',
} as const;

export const sessionMachine = setup({
  types: { input: {} as SessionInput, context: {} as SessionContext, events: {} as SessionEvent },
  actions: {
    ...declareEffects<SessionEffects>(SESSION_EFFECTS),
    addMethod: assign({
      methods: ({ context, event }) => (event.type !== 'session.authenticate' || context.methods.includes(event.method) ? context.methods : [...context.methods, event.method]),
      authTime: ({ event }) => event.at,
      expiresAt: ({ context, event }) => event.at + context.ttlMs,
    }),
    slideExpiry: assign({
      expiresAt: ({ context, event }) => event.at + context.ttlMs,
      stepUpRequired: ({ context, event }) => event.type === 'session.silentAuthenticate' && !meetsMfaPolicy(context.methods, event.mfa),
    }),
  },
  guards: {
    isExpired: ({ context, event }) => event.at >= context.expiresAt,
    isResourceRefused: ({ event }) => event.type === 'session.silentAuthenticate' && isResourceRefused(event),
    isUserDisabled: ({ event }) => event.type === 'session.silentAuthenticate' && isDisabled(event.userStatus),
    // Sessions of two users are never merged (keystate-server.md §5 item 7).
    // A token names its user too: a session of another user never vouches for it.
    isOtherUser: ({ context, event }) => (event.type === 'session.authenticate' || event.type === 'session.check') && event.userId !== context.userId,
    // A stolen token of a live session must not replace the factor it never proved: only a session
    // that holds the method and authenticated within the window may (`authTime` is its latest).
    lacksRecentFactor: ({ context, event }) =>
      event.type === 'session.check' && event.recent !== null && !(context.methods.includes(event.recent.method) && event.at - context.authTime <= event.recent.withinMs),
  },
}).createMachine({
  id: 'session',
  context: ({ input }) => ({
    tenantId: input.tenantId,
    userId: input.userId,
    methods: [input.method],
    authTime: input.at,
    expiresAt: input.at + input.ttlMs,
    ttlMs: input.ttlMs,
    stepUpRequired: false,
  }),
  initial: 'active',
  states: {
    active: {
      initial: 'live',
      // `userDisabled` and `resourceRefused`: a silent authentication refused for what it brought;
      // the session stands as it was (a later one, for another resource or once the user is
      // enabled again, may pass).
      states: { live: {}, refused: {}, userDisabled: {}, resourceRefused: {} },
      on: {
        'session.authenticate': [
          { guard: 'isExpired', target: 'expired' },
          { guard: 'isOtherUser', target: '.refused' },
          { target: '.live', actions: 'addMethod' },
        ],
        // The resource first, whatever the session's standing (as the use case judged it before
        // looking the session up); then the user, of a session that stands.
        'session.silentAuthenticate': [
          { guard: 'isResourceRefused', target: '.resourceRefused' },
          { guard: 'isExpired', target: 'expired' },
          { guard: 'isUserDisabled', target: '.userDisabled' },
          { target: '.live', actions: 'slideExpiry' },
        ],
        'session.check': [{ guard: 'isExpired', target: 'expired' }, { guard: 'isOtherUser', target: '.refused' }, { guard: 'lacksRecentFactor', target: '.refused' }, { target: '.live' }],
        // Logging out or revoking ends the session for good, at once.
        'session.logout': [{ guard: 'isExpired', target: 'expired.refused' }, { target: 'terminated.loggedOut' }],
        'session.revoke': { target: 'terminated.revoked' },
      },
    },
    // Past its expiry: "Session not found" to everyone. Revocation still ends it (its refresh
    // tokens stop); natural expiry does not (keystate-server.md §5 item 12).
    expired: {
      initial: 'lapsed',
      states: { lapsed: {}, refused: {}, resourceRefused: {} },
      on: {
        'session.authenticate': '.refused',
        'session.silentAuthenticate': silentRefusal,
        'session.check': '.refused',
        'session.logout': '.refused',
        'session.revoke': 'terminated.revoked',
      },
    },
    terminated: {
      initial: 'loggedOut',
      states: { loggedOut: {}, revoked: {}, refused: {}, resourceRefused: {} },
      on: terminatedRefusals,
    },
  },
});
