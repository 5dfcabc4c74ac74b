import type { EffectHandler, Instance, MachineTypes, RegisteredMachine } from '../engine/definition.js';
import { start, stateOf } from '../engine/transitions.js';
import type { CredentialKind, CredentialTypes } from '../repositories/credential-repository.js';
import { type ShadowRow, shadowKey } from '../repositories/shadow-credential-repository.js';
import { newId } from '../secrets/random.js';
import type { Shadowed } from './credential-types.js';

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
//
// What is here is what every kind's stand-in shares: where it is kept and how a first login finds
// it. Each kind's own comparison is in its flow's folder (src/flows/password/stand-in.ts,
// src/flows/totp/stand-in.ts), and the registry (src/engine/machines.ts) registers them.

/** What a stand-in is for: the app, and the subject of the login (`userSubject`). */
export interface StandInScope {
  readonly tenantId: string;
  readonly appId: string;
  readonly subject: string;
}

/** A stand-in's effects that only a matching secret leads to: never reached. */
export const unreachable = <T extends MachineTypes, P>(phase: EffectHandler<T, P>['phase'], effect: string): EffectHandler<T, P> => ({
  phase,
  run() {
    throw new Error(`a stand-in never matches, so it never performs ${effect}`);
  },
});

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
