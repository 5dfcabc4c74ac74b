import { passwordSettlesAt } from '../../machines/password.machine.js';
import { totpSettlesAt } from '../../machines/totp.machine.js';
import type { EffectHandler, Instance, MachineTypes, RegisteredMachine } from '../engine/definition.js';
import { start, stateOf } from '../engine/transitions.js';
import type { CredentialKind, CredentialTypes } from '../repositories/credential-repository.js';
import { type ShadowRow, shadowKey, shadowStore } from '../repositories/shadow-credential-repository.js';
import { newId } from '../secrets/random.js';
import type { Sealer } from '../secrets/sealer.js';
import type { SecretHasher } from '../secrets/secret-hasher.js';
import type { Provider } from '../storage/database-url.js';
import { type PasswordTypes, passwordDefinition, type Shadowed, type TotpTypes, totpDefinition } from './definitions.js';
import type { DecoyBudget } from './decoy-budget.js';
import { judgeMiss } from '../flows/totp/repeated-miss.js';
import { totpRegistration } from '../flows/totp/policy.js';
import { totpSeedAad, totpStrategy } from '../flows/totp/strategy.js';
import { newTotpSeed, type TotpAlgorithm, totpStep } from '../flows/totp/codes.js';

// Stand-ins (issue 15). A login that names no credential of its kind (an identifier that names
// nobody the app knows, or a user without one) is answered by a stand-in: an instance of the same
// password or TOTP machine, with the same events, whose comparison does the work of a real one
// against a secret nobody holds and never matches. So it counts attempts, locks, lapses and starts a
// new count after a lock by the machine's own rules, answers exactly what a credential with a wrong
// secret answers (auth_invalid_credentials, then auth_locked), and costs the same statements and the
// same hashing. Nothing it answers tells who holds a credential.
//
// Why a lock, and not "reveal the lock only to the right secret": a lock told only to the right
// secret answers a guess made during the lock by whether it was right, so the lock would stop no
// guessing (it would become the oracle). Here a lock in force refuses every secret alike, right or
// not, compared or not, for a credential and a stand-in alike.
//
// A stand-in is keyed as the rate limiter counts a login (src/limits/rate-limiter.ts `userSubject`):
// the user when the identifier names one (an email in any case, a phone number in any format and
// the user_id all reach the same stand-in, as they reach the same credential), else the normalised
// identifier. It lives in the database, shared by every instance, and the purge deletes it once it
// has settled (src/maintenance/purge.ts).

export interface ShadowCredentials {
  readonly password: RegisteredMachine<Shadowed<PasswordTypes>>;
  readonly totp: RegisteredMachine<Shadowed<TotpTypes>>;
}

/** What a stand-in is for: the app, and the subject of the login (`userSubject`). */
export interface StandInScope {
  readonly tenantId: string;
  readonly appId: string;
  readonly subject: string;
}

/** A stand-in's effects that only a matching secret leads to: never reached. */
const unreachable = <T extends MachineTypes, P>(phase: EffectHandler<T, P>['phase'], effect: string): EffectHandler<T, P> => ({
  phase,
  run() {
    throw new Error(`a stand-in never matches, so it never performs ${effect}`);
  },
});

/** The id a TOTP stand-in's decoy seed is sealed for (no credential has it). */
const DECOY_ID = 'stand-in';

export function createShadowCredentials(deps: { decoys: DecoyBudget; hasher: SecretHasher; sealer: Sealer; provider: Provider }): ShadowCredentials {
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

  return {
    password: {
      // The very machine, answers and log policy of a password (a copy only for its type's sake).
      definition: { ...passwordDefinition },
      store: shadowStore<Shadowed<PasswordTypes>>(deps.provider, passwordSettlesAt),
      handlers: {
        comparePassword: {
          phase: 'afterCommit',
          async run({ generation, attempt }, { request }) {
            // The Argon2id work of a comparison, against a hash of a secret nobody knows (past the
            // app's decoy budget, a wait as long as one).
            await deps.decoys.verifyNothing(request.app.id, request.proof ?? '');
            return { output: { event: { type: 'password.mismatched', generation, attempt }, rehashed: null } };
          },
        },
        storeRehash: unreachable('inline', 'storeRehash'),
        storeSecret: unreachable('inline', 'storeSecret'),
        recordAuthentication: unreachable('transaction', 'recordAuthentication'),
      },
    },
    totp: {
      definition: { ...totpDefinition },
      store: shadowStore<Shadowed<TotpTypes>>(deps.provider, totpSettlesAt),
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
        recordAuthentication: unreachable('transaction', 'recordAuthentication'),
      },
    },
  };
}

/** The stand-in for `scope` as a first login finds it: not stored yet, its first step creates it. */
export function unstoredStandIn<T extends CredentialTypes>(machine: RegisteredMachine<Shadowed<T>>, kind: CredentialKind, scope: StandInScope, input: T['input']): Instance<Shadowed<T>> {
  const { definition } = machine;
  const { snapshot } = start(definition.machine, input);
  const row: ShadowRow = { tenantId: scope.tenantId, appId: scope.appId, kind, key: standInKey(machine, kind, scope), miss: null, input, stored: false };
  return { id: newId(), machineVersion: definition.version, version: 1, stateValue: stateOf(snapshot), context: snapshot.context, row };
}

/** Where the stand-in for `scope` is kept (its machine's version in it: see shadowKey). */
export const standInKey = (machine: { readonly definition: { readonly version: number } }, kind: CredentialKind, scope: StandInScope): string =>
  shadowKey({ appId: scope.appId, kind, machineVersion: machine.definition.version }, scope.subject);
