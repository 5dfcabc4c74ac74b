import {
  REFRESH_FAMILY_EFFECTS,
  type RefreshFamilyContext,
  type RefreshFamilyEffects,
  type RefreshFamilyEvent,
  type RefreshFamilyInput,
  refreshFamilyMachine,
} from '../../../machines/refresh-family.machine.js';
import { refreshFamilyAnswers, type RefreshFamilyState } from '../../../machines/refresh-family.answers.js';
import type { MachineDefinition, RegisteredMachine, TxSteps } from '../../engine/definition.js';
import { issueTokensHandler, type TokenResults } from '../session/token-results.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import { keepRotatedOutToken, refreshFamilyStore, type RefreshFamilyTypes as FamilyRowTypes } from '../../repositories/refresh-family-repository.js';
import type { UserRecord } from '../../repositories/user-repository.js';
import { newId, newSecret } from '../../secrets/random.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import type { Provider } from '../../storage/database-url.js';
import type { TokenService, UserGrant } from '../../tokens/token-service.js';

// The refresh-token family as the runner runs it: its definition, store and effect handlers.

const REFRESH_FAMILY_TTL_MS = 14 * 24 * 60 * 60 * 1000;

export interface RefreshRequest {
  readonly app: AppRecord;
  /** The user the tokens are minted for (loaded with the presented token). */
  readonly user: UserRecord;
  readonly results: TokenResults;
}

export interface RefreshFamilyTypes extends FamilyRowTypes {
  readonly input: RefreshFamilyInput;
  readonly context: RefreshFamilyContext;
  readonly event: RefreshFamilyEvent;
  readonly effects: RefreshFamilyEffects;
  readonly state: RefreshFamilyState;
  readonly request: RefreshRequest;
}

export const refreshFamilyDefinition: MachineDefinition<RefreshFamilyTypes> = {
  name: 'refresh-family',
  machine: refreshFamilyMachine,
  version: 1,
  effects: REFRESH_FAMILY_EFFECTS,
  logged: { 'token.presented': ['token', 'sessionEnded'] },
  answers: refreshFamilyAnswers,
};

export type RefreshFamilies = RegisteredMachine<RefreshFamilyTypes>;

export function createRefreshFamilies(deps: { hasher: SecretHasher; tokens: TokenService; provider: Provider }): RefreshFamilies {
  const { hasher, tokens } = deps;
  return {
    definition: refreshFamilyDefinition,
    store: refreshFamilyStore<RefreshFamilyTypes>(deps.provider),
    handlers: {
      rotateToken: {
        phase: 'inline',
        async run(_params, { steps, instanceId, row, context, at, request }) {
          if (row === null) throw new Error('rotateToken needs the family');
          // The token just presented is rotated out: kept (hashed) so that presenting it again is
          // recognised as reuse. A refresh keeps the original claims (§2.6) and the family's session.
          await keepRotatedOutToken(steps.tx, steps.provider, { tokenHash: row.currentHash, familyId: instanceId, generation: context.generation - 1, at });
          const refreshToken = newSecret();
          request.results.refreshToken = refreshToken;
          request.results.prepared = tokens.prepareUserTokens(request.app, request.user, row.grant, row.sessionId);
          return { patch: { currentHash: hasher.hash(refreshToken) } };
        },
      },
      issueTokens: issueTokensHandler<RefreshFamilyTypes>(tokens),
    },
  };
}

/** Mints a family for a new authentication and returns its first token. */
export async function mintRefreshFamily(
  steps: TxSteps,
  families: RefreshFamilies,
  args: { hasher: SecretHasher; app: AppRecord; user: UserRecord; sessionId: string | null; grant: UserGrant; at: number },
): Promise<string> {
  const token = newSecret();
  await steps.start(families, {
    id: newId(),
    appId: args.app.id,
    input: { expiresAt: args.at + REFRESH_FAMILY_TTL_MS },
    create: {
      tenantId: args.app.tenantId,
      appId: args.app.id,
      userId: args.user.id,
      sessionId: args.sessionId,
      currentHash: args.hasher.hash(token),
      grant: args.grant,
      expiresAt: args.at + REFRESH_FAMILY_TTL_MS,
    },
    request: { app: args.app, user: args.user, results: {} },
  });
  return token;
}
