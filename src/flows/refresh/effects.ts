import { schemaCheck } from '../../corrupt-row.js';
import { contextSchema } from '../../engine/stored-context.js';
import { REFRESH_FAMILY_EFFECTS, type RefreshFamilyEffects, type RefreshFamilyEvent, refreshFamilyMachine } from '../../../machines/refresh-family.machine.js';
import { type RefreshFamilyContext, type RefreshFamilyInput, RefreshFamilyContextShape, RefreshFamilyInputShape } from '../../../machines/refresh-family.context.js';
import { refreshFamilyAnswers, type RefreshFamilyState } from '../../../machines/refresh-family.answers.js';
import type { MachineDefinition, RegisteredMachine } from '../../engine/definition.js';
import { type PreparedTokens, signTokens, type TokenResponse } from '../session/token-results.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import { keepRotatedOutToken, refreshFamilyStore, type RefreshFamilyTypes as FamilyRowTypes } from '../../repositories/refresh-family-repository.js';
import type { UserRecord } from '../../repositories/user-repository.js';
import { newSecret } from '../../secrets/random.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import type { Provider } from '../../storage/database-url.js';
import type { TokenService } from '../../tokens/token-service.js';

// The refresh-token family as the runner runs it: its definition, store and effect handlers.

export const REFRESH_FAMILY_TTL_MS = 14 * 24 * 60 * 60 * 1000;

interface RefreshRequest {
  readonly app: AppRecord;
  /** The user the tokens are minted for (loaded with the presented token). */
  readonly user: UserRecord;
}

export interface RefreshFamilyTypes extends FamilyRowTypes {
  readonly input: RefreshFamilyInput;
  readonly context: RefreshFamilyContext;
  readonly event: RefreshFamilyEvent;
  readonly effects: RefreshFamilyEffects;
  readonly state: RefreshFamilyState;
  readonly request: RefreshRequest;
  readonly outputs: { readonly rotateToken: PreparedTokens; readonly issueTokens: TokenResponse };
}

export const refreshFamilyDefinition: MachineDefinition<RefreshFamilyTypes> = {
  name: 'refresh-family',
  machine: refreshFamilyMachine,
  version: 1,
  effects: REFRESH_FAMILY_EFFECTS,
  logged: { 'token.presented': ['token', 'sessionEnded'] },
  answers: refreshFamilyAnswers,
  context: contextSchema(RefreshFamilyContextShape),
  input: schemaCheck(RefreshFamilyInputShape),
};

export type RefreshFamilies = RegisteredMachine<RefreshFamilyTypes>;

export function createRefreshFamilies(deps: { hasher: SecretHasher; tokens: TokenService; provider: Provider }): RefreshFamilies {
  const { hasher, tokens } = deps;
  return {
    definition: refreshFamilyDefinition,
    store: refreshFamilyStore(refreshFamilyDefinition, deps.provider),
    handlers: {
      rotateToken: {
        phase: 'inline',
        run(_params, { tx, provider, instanceId, row, context, at, request }) {
          if (row === null) throw new Error('rotateToken needs the family');
          // The token just presented is rotated out: kept (hashed) so that presenting it again is
          // recognised as reuse. A refresh keeps the original claims (§2.6) and the family's session.
          // Sent with the family's write (its hash is a key: a second rotation of the same token
          // cannot commit either), not here, so that an optimistic step sends it in its batch.
          const kept = keepRotatedOutToken(tx, provider, { tokenHash: row.currentHash, familyId: instanceId, generation: context.generation - 1, at });
          const refreshToken = newSecret();
          const prepared = tokens.prepareUserTokens(request.app, request.user, row.grant, row.sessionId);
          // A refresh answers no session_id (§2.6).
          return { patch: { currentHash: hasher.hash(refreshToken) }, output: { prepared, refreshToken, sessionId: '' }, writes: [kept] };
        },
      },
      issueTokens: {
        phase: 'afterCommit',
        async run(_params, { outputs }) {
          if (outputs.rotateToken === undefined) throw new Error('issueTokens ran before rotateToken');
          return { output: await signTokens(tokens, outputs.rotateToken) };
        },
      },
    },
  };
}
