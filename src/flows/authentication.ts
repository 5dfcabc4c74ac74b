import { AuthError } from '../errors.js';
import { insertRefreshToken } from '../repositories/refresh-token-repository.js';
import { findUserById, recordLogin, type UserRecord } from '../repositories/user-repository.js';
import { newId, newSecret } from '../secrets/random.js';
import type { SecretHasher } from '../secrets/secret-hasher.js';
import type { SessionService } from '../sessions/session-service.js';
import type { ClaimsRequest } from '../tokens/claims.js';
import type { AppIdentity, PreparedUserTokens, TokenService, UserGrant } from '../tokens/token-service.js';
import type { EffectHandler } from './effects.js';

// The end of every interactive login, whatever the method: the `recordAuthentication` effect
// (in the flow's transaction) opens or extends the session, activates the user, mints the refresh
// token and resolves every claim of the tokens (so a claims request that cannot be served rolls
// the step back instead of burning the code); `issueTokens` (after commit) only signs.

export const REFRESH_TOKEN_TTL_MS = 14 * 24 * 60 * 60 * 1000;

/** What the caller asked for with the authenticate request (§1.5), passed as flow extras. */
export interface TokenRequest {
  /** The calling app, already loaded by the use case (tokens are minted for it). */
  readonly app: AppIdentity;
  /** The session to add this authentication to (a bearer secret: never in an event or a log). */
  readonly sessionId: string | null;
  readonly resource: string | null;
  readonly claims: ClaimsRequest | null;
}

export interface RecordAuthenticationParams {
  readonly method: string;
  /** Which primary address this login proved (email link/code → email, SMS → phone). */
  readonly verifies?: 'email' | 'phone' | null;
}

/** The response of every successful authenticate call (§1.6). */
export interface TokenResponse {
  readonly access_token: string;
  readonly id_token: string;
  readonly refresh_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly session_id: string;
}

interface Authenticated {
  readonly prepared: PreparedUserTokens;
  readonly sessionId: string;
  readonly refreshToken: string;
}

const AUTHENTICATED = 'authentication';
export const TOKENS = 'tokens';

export interface AuthenticationDeps {
  readonly hasher: SecretHasher;
  readonly sessions: SessionService;
  readonly tokens: TokenService;
}

export function authenticationEffects(deps: AuthenticationDeps): Record<'recordAuthentication' | 'issueTokens', EffectHandler> {
  return {
    recordAuthentication: {
      phase: 'transaction',
      async run(rawParams, { tx, flow, at, outputs, extras }) {
        const params = rawParams as RecordAuthenticationParams;
        const request = extras as TokenRequest;
        const { userId, approvalData = null } = flow.context as { userId: string; approvalData?: UserGrant['approvalData'] };
        const user = await findUserById(tx, userId, flow.appId);
        if (user === null || user.tenantId !== flow.tenantId) throw new AuthError('USER_NOT_FOUND');
        if (user.status === 'Disabled') throw new AuthError('USER_NOT_ACTIVE');
        const { sessionId, session } = await deps.sessions.recordAuthentication(tx, {
          tenantId: flow.tenantId,
          appId: flow.appId,
          userId,
          method: params.method,
          sessionId: request.sessionId,
          at,
        });
        await recordLogin(tx, user, at, params.verifies ?? null);
        const grant: UserGrant = { methods: session.methods, authTime: session.authTime, resource: request.resource, claims: request.claims, approvalData };
        const refreshToken = newSecret();
        await insertRefreshToken(tx, {
          id: newId(),
          tokenHash: deps.hasher.hash(refreshToken),
          familyId: newId(),
          sessionId: session.id,
          tenantId: flow.tenantId,
          appId: flow.appId,
          userId,
          grant,
          expiresAt: at + REFRESH_TOKEN_TTL_MS,
          createdAt: at,
        });
        const verifiedUser: UserRecord = {
          ...user,
          emailVerified: user.emailVerified || params.verifies === 'email',
          phoneVerified: user.phoneVerified || params.verifies === 'phone',
        };
        const authenticated: Authenticated = { prepared: deps.tokens.prepareUserTokens(request.app, verifiedUser, grant), sessionId, refreshToken };
        outputs.set(AUTHENTICATED, authenticated);
      },
    },
    issueTokens: {
      phase: 'afterCommit',
      async run(_params, { outputs }) {
        const authenticated = outputs.get(AUTHENTICATED) as Authenticated | undefined;
        if (authenticated === undefined) throw new Error('issueTokens ran without recordAuthentication');
        const signed = await deps.tokens.signUserTokens(authenticated.prepared);
        const response: TokenResponse = {
          access_token: signed.accessToken,
          id_token: signed.idToken,
          refresh_token: authenticated.refreshToken,
          token_type: 'Bearer',
          expires_in: signed.expiresIn,
          session_id: authenticated.sessionId,
        };
        outputs.set(TOKENS, response);
        return undefined;
      },
    },
  };
}
