import { SESSION_EFFECTS, type SessionContext, type SessionEffects, type SessionEvent, type SessionInput, sessionMachine } from '../../../machines/session.machine.js';
import { sessionAnswers, type SessionState } from '../../../machines/session.answers.js';
import type { MachineDefinition, RegisteredMachine, TxSteps } from '../../engine/definition.js';
import { issueTokensHandler, type TokenResults } from './token-results.js';
import { type RefreshFamilies, mintRefreshFamily } from '../refresh/effects.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import { sessionStore, type SessionTypes as SessionRowTypes } from '../../repositories/session-repository.js';
import { ensureAssociated, type UserRecord } from '../../repositories/user-repository.js';
import { newId, newSecret } from '../../secrets/random.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import type { ClaimsRequest } from '../../tokens/claims.js';
import type { Provider } from '../../storage/migrate.js';
import type { TokenService, UserGrant } from '../../tokens/token-service.js';

// The session as the runner runs it: its definition, store and effect handlers.

const SESSION_TTL_MS = 14 * 24 * 60 * 60 * 1000;

interface SessionRequest {
  readonly app: AppRecord;
  /** Silent authentication: the user (loaded with the session), whether the app knows them yet,
   * and what the caller asked the tokens to carry. */
  readonly silent?: {
    readonly user: UserRecord;
    readonly associated: boolean;
    readonly resource: string | null;
    readonly claims: ClaimsRequest | null;
  };
  readonly results: TokenResults;
}

export interface SessionMachineTypes extends SessionRowTypes {
  readonly input: SessionInput;
  readonly context: SessionContext;
  readonly event: SessionEvent;
  readonly effects: SessionEffects;
  readonly state: SessionState;
  readonly request: SessionRequest;
}

export const sessionDefinition: MachineDefinition<SessionMachineTypes> = {
  name: 'session',
  machine: sessionMachine,
  version: 2,
  effects: SESSION_EFFECTS,
  logged: {
    'session.authenticate': ['userId', 'method'],
    'session.silentAuthenticate': ['mfa'],
    // Only ever evaluated (a presented user token writes nothing); declared for completeness.
    'session.check': ['userId'],
    'session.logout': [],
    'session.revoke': [],
  },
  answers: sessionAnswers,
};

export type Sessions = RegisteredMachine<SessionMachineTypes>;

export function createSessions(deps: { hasher: SecretHasher; tokens: TokenService; families: RefreshFamilies; provider: Provider }): Sessions {
  const { hasher, tokens, families } = deps;
  return {
    definition: sessionDefinition,
    store: sessionStore<SessionMachineTypes>(deps.provider),
    handlers: {
      mintTokens: {
        phase: 'transaction',
        async run(_params, { steps, instanceId, context, at, request }) {
          const silent = request.silent;
          if (silent === undefined) throw new Error('mintTokens needs the silent-authentication request');
          // SSO by another app of the tenant associates the user with it (§6 item 16).
          if (!silent.associated) await ensureAssociated(steps.tx, silent.user.id, request.app.id, at);
          const grant: UserGrant = { methods: context.methods, authTime: context.authTime, resource: silent.resource, claims: silent.claims, approvalData: null };
          request.results.refreshToken = await mintRefreshFamily(steps, families, { hasher, app: request.app, user: silent.user, sessionId: instanceId, grant, at });
          request.results.prepared = tokens.prepareUserTokens(request.app, silent.user, grant, instanceId);
        },
      },
      issueTokens: issueTokensHandler<SessionMachineTypes>(tokens),
    },
  };
}

/** Opens a session for a first authentication; returns the public session id (a bearer secret). */
export async function openSession(
  steps: TxSteps,
  sessions: Sessions,
  args: { hasher: SecretHasher; app: AppRecord; userId: string; method: string; at: number },
): Promise<{ sessionId: string; id: string; context: SessionContext }> {
  const sessionId = newSecret();
  const id = newId();
  const step = await steps.start(sessions, {
    id,
    appId: args.app.id,
    input: { tenantId: args.app.tenantId, userId: args.userId, method: args.method, at: args.at, ttlMs: SESSION_TTL_MS },
    create: { idHash: args.hasher.hash(sessionId), tenantId: args.app.tenantId, userId: args.userId },
    request: { app: args.app, results: {} },
  });
  return { sessionId, id, context: step.context };
}
