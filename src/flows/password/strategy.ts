import { PASSWORD_METHOD } from '../../../machines/password.machine.js';
import type { PasswordHasher } from '../../credentials/password-hasher.js';
import type { CredentialStrategy } from '../../credentials/strategy.js';

// Passwords as a kind of credential: the row keeps an Argon2id hash of the password's NFC form (its
// cost parameters inside); a match made with parameters other than the current ones, or against a
// hash of the password as typed (stored before passwords were normalised), comes with a new hash to store.

interface PasswordVerdict {
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
      const comparison = await hasher.verify(stored.secret, proof);
      if (comparison === 'mismatch') return { matched: false, rehashed: null };
      // Stored again, in NFC under the current parameters, when it was hashed as typed before
      // passwords were normalised, or under other parameters.
      const rehash = comparison === 'matchAsTyped' || hasher.needsRehash(stored.secret);
      return { matched: true, rehashed: rehash ? await hasher.hash(proof) : null };
    },
    revoke: () => ({ secret: '' }),
  };
}
