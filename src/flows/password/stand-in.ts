import { passwordSettlesAt } from '../../../machines/password.machine.js';
import type { Shadowed } from '../../credentials/credential-types.js';
import type { DecoyBudget } from '../../credentials/decoy-budget.js';
import { unreachable } from '../../credentials/shadow-credentials.js';
import type { MachineDefinition, RegisteredMachine } from '../../engine/definition.js';
import { shadowStore } from '../../repositories/shadow-credential-repository.js';
import type { Provider } from '../../storage/database-url.js';
import { type PasswordTypes, passwordDefinition } from './definition.js';

// The password's stand-in (src/credentials/shadow-credentials.ts): the password machine answering a
// login that names no password, whose comparison does the Argon2id work of a real one against a
// hash of a secret nobody knows, and never matches.

export function createPasswordStandIn(deps: { decoys: DecoyBudget; provider: Provider }): RegisteredMachine<Shadowed<PasswordTypes>> {
  // The very machine, answers, log policy and context schema of a password (a copy only for its type's sake).
  const definition: MachineDefinition<Shadowed<PasswordTypes>> = { ...passwordDefinition };
  return {
    definition,
    store: shadowStore(definition, deps.provider, passwordSettlesAt),
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
      recordAuthentication: unreachable('inline', 'recordAuthentication'),
    },
  };
}
