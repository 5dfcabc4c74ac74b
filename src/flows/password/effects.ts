import type { EffectHandler, RegisteredMachine } from '../../engine/definition.js';
import { recordAuthenticationHandler } from '../session/post-login.js';
import { credentialStore } from '../../repositories/credential-repository.js';
import type { Provider } from '../../storage/database-url.js';
import { type PasswordTypes, passwordDefinition } from './definition.js';
import type { PasswordHasher } from '../../credentials/password-hasher.js';
import { type PasswordStrategy, passwordStrategy } from './strategy.js';

// Passwords as the runner runs them: the password machine, its credential rows and its effects.
// The comparison runs after the attempt's count has committed, outside any transaction: an Argon2id
// verify takes tens of milliseconds, and on SQLite every statement of the server waits for an open
// transaction. Its verdict is returned to the login (use-case.ts), which takes it as the next step,
// on the credential reloaded in a new transaction, with the post-login step in that same one.

export type PasswordCredentials = RegisteredMachine<PasswordTypes> & { readonly strategy: PasswordStrategy };

export function createPasswordCredentials(deps: { passwords: PasswordHasher; provider: Provider }): PasswordCredentials {
  const strategy = passwordStrategy(deps.passwords);
  return {
    definition: passwordDefinition,
    store: credentialStore(passwordDefinition, 'password', deps.provider),
    strategy,
    handlers: {
      comparePassword: {
        phase: 'afterCommit',
        async run({ generation, attempt }, { instanceId, row, request }) {
          const { proof } = request;
          if (row === null || proof === undefined) throw new Error('comparePassword needs the stored credential and the submitted password');
          const verdict = await strategy.verify({ id: instanceId, ...row }, proof, {});
          if (!verdict.matched) return { output: { event: { type: 'password.mismatched', generation, attempt }, rehashed: null } };
          return { output: { event: { type: 'password.matched', generation, attempt, rehash: verdict.rehashed !== null }, rehashed: verdict.rehashed } };
        },
      },
      // Both store a hash made before the step began: no Argon2 work under a transaction.
      storeRehash: storeHash,
      storeSecret: storeHash,
      recordAuthentication: recordAuthenticationHandler<PasswordTypes>(),
    },
  };
}

/** Writes the hash the request carries (in the step's own write, as a patch of the row). */
const storeHash: EffectHandler<PasswordTypes, undefined> = {
  phase: 'inline',
  run(_params, { request }) {
    const { hash } = request.hashing;
    if (hash === undefined) throw new Error('storing a password needs its hash, made before the step');
    return { patch: { secret: hash } };
  },
};
