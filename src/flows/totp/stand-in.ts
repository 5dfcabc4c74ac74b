import { totpSettlesAt } from '../../../machines/totp.machine.js';
import type { Shadowed } from '../../credentials/credential-types.js';
import { unreachable } from '../../credentials/shadow-credentials.js';
import type { MachineDefinition, RegisteredMachine } from '../../engine/definition.js';
import { shadowStore } from '../../repositories/shadow-credential-repository.js';
import type { Sealer } from '../../secrets/sealer.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import type { Provider } from '../../storage/database-url.js';
import { newTotpSeed, type TotpAlgorithm, totpStep } from './codes.js';
import { type TotpTypes, totpDefinition } from './definition.js';
import { totpRegistration } from './policy.js';
import { judgeMiss } from './repeated-miss.js';
import { totpSeedAad, totpStrategy } from './strategy.js';

// The authenticator app's stand-in (src/credentials/shadow-credentials.ts): the TOTP machine
// answering a login that names no authenticator, whose comparison opens and compares a decoy seed
// as a real one is opened and compared, and never matches.

/** The id a TOTP stand-in's decoy seed is sealed for (no credential has it). */
const DECOY_ID = 'stand-in';

export function createTotpStandIn(deps: { hasher: SecretHasher; sealer: Sealer; provider: Provider }): RegisteredMachine<Shadowed<TotpTypes>> {
  const strategy = totpStrategy(deps.sealer);
  // One decoy seed per algorithm, sealed as a credential's seed is: opening and comparing it is
  // the work of a real comparison.
  const decoys = new Map<TotpAlgorithm, string>();
  const decoySeed = (algorithm: TotpAlgorithm): string => {
    let sealed = decoys.get(algorithm);
    if (sealed === undefined) {
      sealed = deps.sealer.seal(newTotpSeed(algorithm), totpSeedAad(DECOY_ID));
      decoys.set(algorithm, sealed);
    }
    return sealed;
  };

  // The very machine, answers, log policy and context schema of an authenticator (a copy only for its type's sake).
  const definition: MachineDefinition<Shadowed<TotpTypes>> = { ...totpDefinition };
  return {
    definition,
    store: shadowStore(definition, deps.provider, totpSettlesAt),
    handlers: {
      compareTotp: {
        phase: 'inline',
        async run(_params, { instanceId, row, context, at, request }) {
          if (row === null || context.policy === null) throw new Error('compareTotp needs the stand-in and the policy of the login');
          // The app's parameters, as a registration now would fix them; the verdict is set aside.
          const { issuer: _issuer, ...params } = totpRegistration(request.app);
          const proof = request.proof ?? '';
          await strategy.verify({ id: DECOY_ID, secret: decoySeed(params.algorithm), params: { ...params } }, proof, { at, window: context.policy.window });
          return judgeMiss(deps.hasher, { id: instanceId, miss: row.miss }, proof, totpStep(params, at));
        },
      },
      forgetSecret: unreachable('inline', 'forgetSecret'),
      recordAuthentication: unreachable('inline', 'recordAuthentication'),
    },
  };
}
