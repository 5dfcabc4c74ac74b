import type { RegisteredMachine } from '../../engine/definition.js';
import { recordAuthenticationHandler } from '../session/post-login.js';
import { credentialStore } from '../../repositories/credential-repository.js';
import type { Sealer } from '../../secrets/sealer.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import type { Provider } from '../../storage/database-url.js';
import { type TotpTypes, totpDefinition } from './definition.js';
import { judgeMiss } from './repeated-miss.js';
import { storedTotpParams, type TotpStrategy, totpStrategy } from './strategy.js';
import { totpStep } from './codes.js';

// Authenticator apps as the runner runs them: the TOTP machine, its credential rows, its effects and
// its strategy. The seed is opened only to compare a submitted code, inline, under the
// credential's row lock, and forgotten when the authenticator is revoked. A wrong code is judged
// against the latest one (totp-miss.ts): the same one again within its time step is no new guess.

export type TotpCredentials = RegisteredMachine<TotpTypes> & { readonly strategy: TotpStrategy };

export { totpSeedAad } from './strategy.js';

export function createTotpCredentials(deps: { sealer: Sealer; hasher: SecretHasher; provider: Provider }): TotpCredentials {
  const strategy = totpStrategy(deps.sealer);
  return {
    definition: totpDefinition,
    store: credentialStore(totpDefinition, 'totp', deps.provider),
    strategy,
    handlers: {
      compareTotp: {
        phase: 'inline',
        async run(_params, { instanceId, row, context, at, request }) {
          if (row === null || context.policy === null) throw new Error('compareTotp needs the stored credential and the policy of the login');
          const stored = { id: instanceId, ...row };
          const proof = request.proof ?? '';
          const step = await strategy.verify(stored, proof, { at, window: context.policy.window });
          if (step !== null) return { event: { type: 'totp.matched', step } };
          return judgeMiss(deps.hasher, stored, proof, totpStep(storedTotpParams(stored), at));
        },
      },
      forgetSecret: {
        phase: 'inline',
        run: (_params, { instanceId, row }) => (row === null ? undefined : { patch: strategy.revoke({ id: instanceId, ...row }) }),
      },
      recordAuthentication: recordAuthenticationHandler<TotpTypes>(),
    },
  };
}
