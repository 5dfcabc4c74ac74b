import { logoutMachine, refreshMachine, type RefreshTokenStanding, type SessionStanding, silentAuthMachine, type SilentAuthInput } from '../../machines/index.js';
import type { Clock } from '../clock.js';
import { AuthError } from '../errors.js';
import { decide } from '../flows/decide.js';
import { REFRESH_TOKEN_TTL_MS, type TokenRequest, type TokenResponse } from '../flows/authentication.js';
import type { AppRecord } from '../repositories/app-repository.js';
import {
  findRefreshTokenByHash,
  insertRefreshToken,
  markRotated,
  type RefreshTokenRow,
  revokeFamily,
  revokeSessionTokens,
} from '../repositories/refresh-token-repository.js';
import { listLiveSessions, lockLiveSession, revokeOpenSessions, type SessionRow } from '../repositories/session-repository.js';
import { ensureAssociated, findUserById, findUserForApp, type UserRecord } from '../repositories/user-repository.js';
import { newId, newSecret } from '../secrets/random.js';
import type { SecretHasher } from '../secrets/secret-hasher.js';
import type { Storage, Tx } from '../storage/prisma.js';
import type { TokenService, UserGrant } from '../tokens/token-service.js';
import type { Config } from '../config.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import { SESSION_TTL_MS, type SessionService } from './session-service.js';
import { applySessionEvent, SessionChangedError } from './session-store.js';

// Silent authentication (SSO), refresh, logout, and listing/revoking a user's sessions
// (mosaic-backend-api.md §2.5–2.9). Each request runs its decision statechart on the facts it
// loads and performs the named effects in one transaction; tokens are signed after the commit.

const MAX_SESSION_RETRIES = 3;
/** The session list answers at most this many sessions, newest first. */
export const SESSION_LIST_MAX = 100;

export interface SessionListItem {
  readonly session_id: string;
  readonly start_time: string;
  readonly expiration_time: string;
}

export type SilentAuthResponse = TokenResponse & { readonly step_up_required: boolean };
export type RefreshResponse = Omit<TokenResponse, 'session_id'>;

export interface SessionRequests {
  silentAuthenticate(caller: AppRecord, request: { sessionId: string } & Omit<TokenRequest, 'app'>): Promise<SilentAuthResponse>;
  refresh(caller: AppRecord, refreshToken: string): Promise<RefreshResponse>;
  logout(caller: AppRecord, sessionId: string): Promise<void>;
  list(caller: AppRecord, userId: string): Promise<SessionListItem[]>;
  revokeAll(caller: AppRecord, userId: string): Promise<void>;
}

const standingOf = (session: SessionRow | null): SessionStanding => session?.state ?? 'missing';

export interface SessionRequestsDeps {
  readonly storage: Storage;
  readonly clock: Clock;
  readonly hasher: SecretHasher;
  readonly sessions: SessionService;
  readonly tokens: TokenService;
  readonly limiter: RateLimiter;
  readonly limits: Config['rateLimits'];
}

export function createSessionRequests(deps: SessionRequestsDeps): SessionRequests {
  const { storage, clock, hasher, sessions, tokens, limiter, limits } = deps;
  const { db } = storage;

  /** The user, if the calling app may look it up (same association rule as GET /cis/v1/users/{id}). */
  async function mustFindAppUser(app: AppRecord, userId: string): Promise<UserRecord> {
    const user = await findUserForApp(db, app.id, app.tenantId, 'user_id', userId);
    if (user === null) throw new AuthError('USER_NOT_FOUND');
    return user;
  }

  /** Runs `work` in a transaction, again when a concurrent request changed the same session. */
  async function withSessionRetry<T>(work: (tx: Tx, at: number) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const at = clock.now();
        return await db.$transaction((tx) => work(tx, at));
      } catch (error) {
        if (!(error instanceof SessionChangedError) || attempt >= MAX_SESSION_RETRIES) {
          if (error instanceof SessionChangedError) throw new AuthError('FLOW_CONFLICT', { details: { sessionId: error.sessionId } });
          throw error;
        }
      }
    }
  }

  async function mintRefreshToken(tx: Tx, owner: { tenantId: string; appId: string; userId: string; sessionId: string | null }, grant: UserGrant, at: number, family?: { id: string; expiresAt: number }) {
    const token = newSecret();
    await insertRefreshToken(tx, {
      tenantId: owner.tenantId,
      appId: owner.appId,
      userId: owner.userId,
      sessionId: owner.sessionId,
      id: newId(),
      tokenHash: hasher.hash(token),
      familyId: family?.id ?? newId(),
      grant,
      // A rotated token keeps its family's end: rotation never extends past 14 days from the login.
      expiresAt: family?.expiresAt ?? at + REFRESH_TOKEN_TTL_MS,
      createdAt: at,
    });
    return token;
  }

  async function mustLoadUser(tx: Tx, userId: string, appId: string): Promise<UserRecord> {
    const user = await findUserById(tx, userId, appId);
    if (user === null) throw new AuthError('SESSION_NOT_FOUND');
    return user;
  }

  return {
    async silentAuthenticate(app, request) {
      // Polling a session is unsupported (§2.5): excessive silent authentication is throttled per session.
      await limiter.hit('silent-auth', limits.silentAuth, `${app.tenantId}:${request.sessionId}`);
      if (request.resource !== null && !app.resources.includes(request.resource)) throw new AuthError('RESOURCE_NOT_ALLOWED');
      const outcome = await withSessionRetry(async (tx, at) => {
        const session = await sessions.find(tx, app.tenantId, request.sessionId);
        const input: SilentAuthInput = {
          session: standingOf(session),
          expiresAt: session?.expiresAt ?? 0,
          at,
          methods: session?.methods ?? [],
          mfa: app.loginPreferences.mfa ?? null,
        };
        const decision = decide<{ stepUpRequired: boolean }>(silentAuthMachine, input);
        if (session === null || decision.state !== 'authenticated') {
          // The session's own statechart records that it expired (committed, then refused).
          if (session !== null && decision.effects.includes('expireSession')) {
            await applySessionEvent(tx, session, { type: 'session.silentAuthenticate', at }, app.id, SESSION_TTL_MS);
          }
          return null;
        }
        const extended = await applySessionEvent(tx, session, { type: 'session.silentAuthenticate', at }, app.id, SESSION_TTL_MS);
        await ensureAssociated(tx, session.userId, app.id, at);
        const user = await mustLoadUser(tx, session.userId, app.id);
        const grant: UserGrant = { methods: extended.methods, authTime: extended.authTime, resource: request.resource, claims: request.claims, approvalData: null };
        const refreshToken = await mintRefreshToken(tx, { tenantId: app.tenantId, appId: app.id, userId: user.id, sessionId: session.id }, grant, at);
        return { prepared: tokens.prepareUserTokens(app, user, grant), refreshToken, stepUpRequired: decision.context.stepUpRequired };
      });
      if (outcome === null) throw new AuthError('SESSION_NOT_FOUND');
      const signed = await tokens.signUserTokens(outcome.prepared);
      return {
        access_token: signed.accessToken,
        id_token: signed.idToken,
        refresh_token: outcome.refreshToken,
        token_type: 'Bearer',
        expires_in: signed.expiresIn,
        session_id: request.sessionId,
        step_up_required: outcome.stepUpRequired,
      };
    },

    async refresh(app, presented) {
      const outcome = await db.$transaction(async (tx) => {
        const at = clock.now();
        const token = await findRefreshTokenByHash(tx, hasher.candidates(presented));
        const decision = decide(refreshMachine, { token: tokenStanding(token, app, at) });
        if (token === null || decision.state === 'refused') return null;
        if (decision.state === 'reuseDetected') {
          await revokeFamily(tx, token.familyId, at);
          return 'reuse' as const;
        }
        // Ordered against logout through the session row: either wholly before it (and its
        // revocation covers the new token) or after it (and refused here).
        if (token.sessionId !== null && !(await lockLiveSession(tx, token.sessionId))) return null;
        if (!(await markRotated(tx, token.id, at))) {
          await revokeFamily(tx, token.familyId, at);
          return 'reuse' as const;
        }
        const user = await mustLoadUser(tx, token.userId, app.id);
        const owner = { tenantId: token.tenantId, appId: token.appId, userId: token.userId, sessionId: token.sessionId };
        const refreshToken = await mintRefreshToken(tx, owner, token.grant, at, { id: token.familyId, expiresAt: token.expiresAt });
        return { prepared: tokens.prepareUserTokens(app, user, token.grant), refreshToken };
      });
      if (outcome === null || outcome === 'reuse') throw new AuthError('REFRESH_TOKEN_INVALID', { details: { reuse: outcome === 'reuse' } });
      const signed = await tokens.signUserTokens(outcome.prepared);
      return { access_token: signed.accessToken, id_token: signed.idToken, refresh_token: outcome.refreshToken, token_type: 'Bearer', expires_in: signed.expiresIn };
    },

    async logout(app, sessionId) {
      const loggedOut = await withSessionRetry(async (tx, at) => {
        const session = await sessions.find(tx, app.tenantId, sessionId);
        const decision = decide(logoutMachine, { session: standingOf(session), expiresAt: session?.expiresAt ?? 0, at });
        if (session === null || decision.state !== 'loggedOut') return false;
        await applySessionEvent(tx, session, { type: 'session.logout', at }, app.id, SESSION_TTL_MS);
        await revokeSessionTokens(tx, [session.id], at);
        return true;
      });
      if (!loggedOut) throw new AuthError('SESSION_NOT_FOUND');
    },

    async list(app, userId) {
      await mustFindAppUser(app, userId);
      const live = await listLiveSessions(db, app.tenantId, userId, clock.now(), SESSION_LIST_MAX);
      // The public session_id is a bearer secret stored only as a hash, so the list names each
      // session by its internal id: enough to tell sessions apart, useless for authenticating.
      return live.map((session) => ({
        session_id: session.id,
        start_time: new Date(session.createdAt).toISOString(),
        expiration_time: new Date(session.expiresAt).toISOString(),
      }));
    },

    async revokeAll(app, userId) {
      await mustFindAppUser(app, userId);
      await withSessionRetry(async (tx, at) => {
        const ended = await revokeOpenSessions(tx, { tenantId: app.tenantId, userId }, app.id, at);
        if (ended === null) throw new SessionChangedError(userId);
        await revokeSessionTokens(tx, ended, at);
      });
    },
  };
}

function tokenStanding(token: RefreshTokenRow | null, app: AppRecord, at: number): RefreshTokenStanding {
  if (token === null) return 'missing';
  // A token only works for the app it was issued to: another app presenting it learns nothing.
  if (token.appId !== app.id || token.tenantId !== app.tenantId) return 'otherApp';
  if (token.revokedAt !== null) return 'revoked';
  if (token.rotatedAt !== null) return 'rotated';
  if (token.expiresAt <= at) return 'expired';
  return 'active';
}
