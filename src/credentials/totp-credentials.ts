import type { RegisteredMachine } from '../engine/definition.js';
import { recordAuthenticationHandler } from '../flows/authentication.js';
import { issueTokensHandler } from '../flows/token-results.js';
import type { RefreshFamilies } from '../refresh/refresh-family-machine.js';
import { credentialStore } from '../repositories/credential-repository.js';
import type { Sealer } from '../secrets/sealer.js';
import type { SecretHasher } from '../secrets/secret-hasher.js';
import type { Sessions } from '../sessions/session-machine.js';
import type { Provider } from '../storage/database-url.js';
import type { TokenService } from '../tokens/token-service.js';
import { type TotpTypes, totpDefinition } from './definitions.js';
import { matchTotp, type TotpParams } from './totp.js';

// Authenticator apps as the runner runs them: the TOTP machine, its credential rows and its
// effects. The seed is kept sealed under the key-encryption key, bound to its credential; it is
// opened only to compare a submitted code, inline, under the credential's row lock.

export type TotpCredentials = RegisteredMachine<TotpTypes>;

/** The seal of a credential's seed names the credential: a seed moved to another row does not open. */
export const totpSeedAad = (credentialId: string): string => `credential:${credentialId}:totp`;

export function createTotpCredentials(deps: { sealer: Sealer; hasher: SecretHasher; tokens: TokenService; sessions: Sessions; families: RefreshFamilies; provider: Provider }): TotpCredentials {
  return {
    definition: totpDefinition,
    store: credentialStore<TotpTypes>('totp', deps.provider),
    handlers: {
      compareTotp: {
        phase: 'inline',
        run(_params, { instanceId, row, context, at, request }) {
          if (row === null || context.policy === null) throw new Error('compareTotp needs the stored credential and the policy of the login');
          const seed = deps.sealer.open(row.secret, totpSeedAad(instanceId));
          const step = request.proof === undefined ? null : matchTotp(seed, row.params as unknown as TotpParams, request.proof, at, context.policy.window);
          return { event: step === null ? { type: 'totp.mismatched' } : { type: 'totp.matched', step } };
        },
      },
      recordAuthentication: recordAuthenticationHandler<TotpTypes>(deps),
      issueTokens: issueTokensHandler<TotpTypes>(deps.tokens),
    },
  };
}
