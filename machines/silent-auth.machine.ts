import { setup } from 'xstate';

// Silent authentication / SSO (mosaic-backend-api.md §2.5): decide, in one step, whether a
// session may mint fresh tokens for the calling app. A request-scoped decision: it is evaluated
// from the facts the service loaded and its effects run in the request's transaction.

export type SessionStanding = 'active' | 'expired' | 'terminated' | 'missing';

export interface SilentAuthInput {
  readonly session: SessionStanding;
  /** The session's expiry and the request time: an "active" row past its expiry is expired. */
  readonly expiresAt: number;
  readonly at: number;
  readonly methods: readonly string[];
  /** The calling app's `login_preferences.mfa` policy (keystate-server.md §6). */
  readonly mfa: { readonly required: boolean; readonly methods?: readonly string[] } | null;
}

export interface SilentAuthContext extends SilentAuthInput {
  readonly stepUpRequired: boolean;
}

/** The policy is met when the session holds two distinct methods and, if the app names the methods
 * it accepts, at least one of them. */
export function meetsMfaPolicy(methods: readonly string[], mfa: SilentAuthInput['mfa']): boolean {
  if (mfa === null || !mfa.required) return true;
  const distinct = new Set(methods);
  if (distinct.size < 2) return false;
  return mfa.methods === undefined || mfa.methods.length === 0 || mfa.methods.some((method) => distinct.has(method));
}

export const silentAuthMachine = setup({
  types: { input: {} as SilentAuthInput, context: {} as SilentAuthContext },
  actions: {
    extendSession: () => {},
    expireSession: () => {},
    associateUser: () => {},
    issueTokens: () => {},
  },
  guards: {
    isUsable: ({ context }) => context.session === 'active' && context.at < context.expiresAt,
    isExpiredNow: ({ context }) => context.session === 'active' && context.at >= context.expiresAt,
  },
}).createMachine({
  id: 'silent-auth',
  context: ({ input }) => ({ ...input, stepUpRequired: !meetsMfaPolicy(input.methods, input.mfa) }),
  initial: 'judging',
  states: {
    judging: {
      always: [
        { guard: 'isUsable', target: 'authenticated' },
        { guard: 'isExpiredNow', target: 'sessionExpired' },
        { target: 'refused' },
      ],
    },
    authenticated: { type: 'final', entry: ['extendSession', 'associateUser', 'issueTokens'] },
    // An expired session answers like an unknown one; the session itself is moved to `expired`.
    sessionExpired: { type: 'final', entry: 'expireSession' },
    refused: { type: 'final' },
  },
});
