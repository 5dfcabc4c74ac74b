import type { Config } from '../../config.js';
import { acceptOrThrow } from '../../engine/answer.js';
import type { Runner } from '../../engine/runner.js';
import { AuthError } from '../../errors.js';
import { type PreparedTokens, signTokens, type TokenResponse } from './token-results.js';
import type { RateLimiter } from '../../limits/rate-limiter.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import { findSessionWithUser, listOpenSessions, rehashSessionId } from '../../repositories/session-repository.js';
import { ensureAssociated, findUserForApp, type UserRecord } from '../../repositories/user-repository.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import type { Storage } from '../../storage/prisma.js';
import type { ClaimsRequest, UserGrant } from '../../model/claims.js';
import { loadSession } from './named-session.js';
import { type SessionMachineTypes, type Sessions, sessionDefinition } from './effects.js';
import type { Step, TxSteps } from '../../engine/definition.js';
import type { RefreshFamilies } from '../refresh/effects.js';
import { mintRefreshFamily } from '../refresh/mint.js';
import type { TokenService } from '../../tokens/token-service.js';

// Silent authentication (SSO), logout, and listing/revoking a user's sessions (mosaic-backend-api.md
// §2.5–2.9): each loads the session(s) it names and hands the event to the session machine, which
// judges; the answer is what the state it reached says.

/** The session list answers at most this many sessions, newest first. */
const SESSION_LIST_MAX = 100;

interface SessionListItem {
  readonly session_id: string;
  readonly start_time: string;
  readonly expiration_time: string;
}

type SilentAuthResponse = TokenResponse & { readonly step_up_required: boolean };

export interface SessionRequests {
  silentAuthenticate(caller: AppRecord, request: SilentRequest): Promise<SilentAuthResponse>;
  logout(caller: AppRecord, sessionId: string): Promise<void>;
  list(caller: AppRecord, userId: string): Promise<SessionListItem[]>;
  revokeAll(caller: AppRecord, userId: string): Promise<void>;
}

export interface SessionRequestsDeps {
  readonly storage: Storage;
  readonly runner: Runner;
  readonly hasher: SecretHasher;
  readonly sessions: Sessions;
  readonly families: RefreshFamilies;
  readonly tokens: TokenService;
  readonly limiter: RateLimiter;
  readonly limits: Config['rateLimits'];
}

/** The user, if the calling app may look it up (same association rule as GET /cis/v1/users/{id}). */
async function mustFindAppUser(deps: SessionRequestsDeps, app: AppRecord, userId: string): Promise<void> {
  if ((await findUserForApp(deps.storage.db, app.id, app.tenantId, 'user_id', userId)) === null) throw new AuthError('USER_NOT_FOUND');
}

interface SilentRequest {
  readonly sessionId: string;
  readonly resource: string | null;
  readonly claims: ClaimsRequest | null;
}

/** What a session that stood for a silent authentication gives the calling app: the user
 * associated with it (SSO, §6 item 16), a refresh family, the claims resolved (in the transaction). */
async function silentTokens(
  deps: SessionRequestsDeps,
  steps: TxSteps,
  step: Step<SessionMachineTypes>,
  silent: { app: AppRecord; user: UserRecord; associated: boolean; request: SilentRequest },
): Promise<PreparedTokens> {
  const { app, user, request } = silent;
  // The time stamped on the step: `slideExpiry` set the expiry to it plus the session's TTL.
  const at = step.context.expiresAt - step.context.ttlMs;
  if (!silent.associated) await steps.write(ensureAssociated(steps.tx, steps.provider, user.id, app.id, at));
  const grant: UserGrant = { methods: step.context.methods, authTime: step.context.authTime, resource: request.resource, claims: request.claims, approvalData: null };
  const refreshToken = await mintRefreshFamily(steps, deps.families, { hasher: deps.hasher, app, user, sessionId: step.id, grant, at });
  return { prepared: deps.tokens.prepareUserTokens(app, user, grant, step.id), refreshToken, sessionId: request.sessionId };
}

/** The session the request names, its facts handed to the session machine, the tokens prepared
 * when it stood; null when no session of the tenant has that id. */
function silentStep(deps: SessionRequestsDeps, app: AppRecord, request: SilentRequest) {
  const { hasher } = deps;
  // Optimistic (issue 17): a race lost to another step of the session runs again, locked.
  return deps.runner.step(async (steps) => {
    const found = await findSessionWithUser(steps, sessionDefinition, { tenantId: app.tenantId, appId: app.id }, hasher.candidates(request.sessionId));
    if (found === null) return null;
    const current = hasher.hash(request.sessionId);
    if (found.session.row.idHash !== current) await steps.write(rehashSessionId(steps.tx, found.session.id, found.session.row.idHash, current));
    const silentEvent = {
      type: 'session.silentAuthenticate',
      mfa: app.loginPreferences.mfa ?? null,
      // Facts the session machine judges: whose session it is now, and what the app asks for.
      userStatus: found.user.status,
      resource: request.resource,
      allowedResources: app.resources,
    } as const;
    const step = await steps.send(deps.sessions, found.session, silentEvent, { app });
    if (!step.accepted || step.answer.kind !== 'ok') return { step, ready: null };
    return { step, ready: await silentTokens(deps, steps, step, { app, user: found.user, associated: found.associated, request }) };
  });
}

async function silentAuthenticate(deps: SessionRequestsDeps, app: AppRecord, request: SilentRequest): Promise<SilentAuthResponse> {
  // Polling a session is unsupported (§2.5): excessive silent authentication is throttled per session.
  await deps.limiter.hit('silent-auth', deps.limits.silentAuth, `${app.tenantId}:${request.sessionId}`);
  const silent = await silentStep(deps, app, request);
  if (silent === null) throw new AuthError('SESSION_NOT_FOUND');
  acceptOrThrow(silent.step.answer);
  if (silent.ready === null) throw new AuthError('SESSION_NOT_FOUND');
  return { ...(await signTokens(deps.tokens, silent.ready)), step_up_required: silent.step.context.stepUpRequired };
}

async function listSessions(deps: SessionRequestsDeps, app: AppRecord, userId: string): Promise<SessionListItem[]> {
  await mustFindAppUser(deps, app, userId);
  const open = await listOpenSessions(deps.storage.db, sessionDefinition, { tenantId: app.tenantId, userId }, SESSION_LIST_MAX);
  // Live is what the session machine says: a session past its expiry would refuse a token of
  // its user now (asked, not applied).
  const live = open.filter((session) => deps.runner.evaluate(deps.sessions, session, { type: 'session.check', userId, recent: null }).answer.kind === 'ok');
  // The public session_id is a bearer secret stored only as a hash, so the list names each
  // session by its internal id: enough to tell sessions apart, useless for authenticating.
  return live.map((session) => ({
    session_id: session.id,
    start_time: new Date(session.row.createdAt).toISOString(),
    expiration_time: new Date(session.context.expiresAt).toISOString(),
  }));
}

export function createSessionRequests(deps: SessionRequestsDeps): SessionRequests {
  const { runner, hasher, sessions } = deps;
  return {
    silentAuthenticate: (app, request) => silentAuthenticate(deps, app, request),

    async logout(app, sessionId) {
      const step = await runner.step(async (steps) => {
        const session = await loadSession(steps, hasher, app.tenantId, sessionId);
        return session === null ? null : steps.send(sessions, session, { type: 'session.logout' }, { app });
      });
      if (step === null) throw new AuthError('SESSION_NOT_FOUND');
      acceptOrThrow(step.answer);
    },

    list: (app, userId) => listSessions(deps, app, userId),

    async revokeAll(app, userId) {
      await mustFindAppUser(deps, app, userId);
      await runner.transaction(async (steps) => {
        const open = await listOpenSessions(steps.tx, sessionDefinition, { tenantId: app.tenantId, userId }, Number.MAX_SAFE_INTEGER);
        await steps.sendToAll(sessions, open, { type: 'session.revoke' }, { app });
      });
    },
  };
}
