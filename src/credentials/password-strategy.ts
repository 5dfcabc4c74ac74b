import { PASSWORD_METHOD } from '../../machines/password.machine.js';
import type { PasswordHasher } from './password-hasher.js';
import type { CredentialStrategy } from './strategy.js';

// Passwords as a kind of credential: the row keeps an Argon2id hash (its cost parameters inside);
// a match made with parameters other than the current ones comes with a new hash to store.

export interface PasswordVerdict {
  readonly matched: boolean;
  /** The same password hashed with the current parameters, when the stored hash used others. */
  readonly rehashed: string | null;
}

export type PasswordStrategy = CredentialStrategy<{ readonly password: string }, null, Record<string, never>, PasswordVerdict>;

export function passwordStrategy(hasher: PasswordHasher): PasswordStrategy {
  return {
    kind: 'password',
    method: PASSWORD_METHOD,
    async enroll(_credentialId, { password }) {
      return { secret: await hasher.hash(password), params: {}, reveal: null };
    },
    async verify(stored, proof) {
      if (!(await hasher.verify(stored.secret, proof))) return { matched: false, rehashed: null };
      return { matched: true, rehashed: hasher.needsRehash(stored.secret) ? await hasher.hash(proof) : null };
    },
    revoke: () => ({ secret: '' }),
  };
}
