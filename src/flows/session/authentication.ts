import { AuthError } from '../../errors.js';
import type { EffectHandler, Instance, MachineTypes } from '../../engine/definition.js';
import { mintRefreshFamily, type RefreshFamilies } from '../refresh/effects.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import { recordLogin, type UserRecord } from '../../repositories/user-repository.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import { openSession, type SessionMachineTypes, type Sessions } from './effects.js';
import { loadSession } from './named-session.js';
import type { ClaimsRequest } from '../../tokens/claims.js';
import type { TokenService, UserGrant } from '../../tokens/token-service.js';
import type { TokenResults } from './token-results.js';

// The end of every interactive login, whatever the method: the `recordAuthentication` effect, in
// the flow's transaction, opens a session or applies the factor to the session the caller named
// (through the session machine, the one judge of sessions), records the login on the user, mints
// the refresh-token family and resolves every claim of the tokens. Anything that fails here rolls
// the whole step back: no code burned, no session opened.

/** What an authenticate request brings besides the code (§1.5). */
export interface AuthenticationRequest {
  /** The user the flow was started for, as loaded for this request. */
  readonly user: UserRecord;
  /** The session the caller named (already judged able to take this factor), or null. Its instance
   * is null when the factor is recorded in a later transaction than the one that judged it (a
   * password, compared after its attempt commits): the session is loaded again there. */
  readonly session: { readonly publicId: string; readonly instance: Instance<SessionMachineTypes> | null } | null;
  readonly resource: string | null;
  readonly claims: ClaimsRequest | null;
}

export type AuthenticatingTypes = MachineTypes & {
  readonly context: { readonly approvalData?: UserGrant['approvalData'] };
  readonly request: { readonly app: AppRecord; readonly authentication?: AuthenticationRequest; readonly results: TokenResults };
};

export interface RecordAuthenticationParams {
  readonly method: string;
  /** Which primary address this login proved (email link/code → email, SMS → phone). */
  readonly verifies: 'email' | 'phone' | null;
}

export function recordAuthenticationHandler<T extends AuthenticatingTypes>(deps: {
  hasher: SecretHasher;
  tokens: TokenService;
  sessions: Sessions;
  families: RefreshFamilies;
}): EffectHandler<T, RecordAuthenticationParams> {
  const { hasher, tokens, sessions, families } = deps;
  return {
    phase: 'transaction',
    async run(params, { steps, context, at, request }) {
      const { app } = request;
      const authentication = request.authentication;
      if (authentication === undefined) throw new Error('recordAuthentication needs the authenticate request');
      const { user } = authentication;
      if (user.status === 'Disabled') throw new AuthError('USER_NOT_ACTIVE');

      let session: { publicId: string; id: string; methods: readonly string[]; authTime: number };
      if (authentication.session === null) {
        const opened = await openSession(steps, sessions, { hasher, app, userId: user.id, method: params.method, at });
        session = { publicId: opened.sessionId, id: opened.id, methods: opened.context.methods, authTime: opened.context.authTime };
      } else {
        const named = authentication.session.instance ?? (await loadSession(steps, hasher, app.tenantId, authentication.session.publicId));
        if (named === null) throw new AuthError('SESSION_NOT_FOUND');
        const step = await steps.send(sessions, named, { type: 'session.authenticate', userId: user.id, method: params.method }, { app, results: {} });
        // Judged able to take the factor when the request began; a concurrent logout may have
        // ended it since: then nothing of this request commits.
        if (!step.accepted || step.answer.kind !== 'ok') throw new AuthError(step.answer.kind === 'refused' ? step.answer.error : 'SESSION_NOT_FOUND');
        session = { publicId: authentication.session.publicId, id: step.id, methods: step.context.methods, authTime: step.context.authTime };
      }

      await recordLogin(steps.tx, steps.provider, user, at, params.verifies);
      const grant: UserGrant = { methods: session.methods, authTime: session.authTime, resource: authentication.resource, claims: authentication.claims, approvalData: context.approvalData ?? null };
      const verified: UserRecord = {
        ...user,
        emailVerified: user.emailVerified || params.verifies === 'email',
        phoneVerified: user.phoneVerified || params.verifies === 'phone',
      };
      request.results.refreshToken = await mintRefreshFamily(steps, families, { hasher, app, user: verified, sessionId: session.id, grant, at });
      request.results.prepared = tokens.prepareUserTokens(app, verified, grant, session.id);
      request.results.sessionId = session.publicId;
    },
  };
}
