import { randomBytes } from 'node:crypto';
import { type Argon2Params, DEFAULT_ARGON2_PARAMS } from '../config-argon2.js';

export { type Argon2Params, DEFAULT_ARGON2_PARAMS };

// Passwords are stored as Argon2id PHC strings (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) through
// @node-rs/argon2, whose native work runs on libuv's thread pool, off the event loop. The cost
// parameters travel inside each hash, so a change of parameters is seen on the next successful
// login (`needsRehash`) and the password is hashed again then.
//
// A password is hashed and compared in Unicode NFC: "é" typed as one code point or as "e" and a
// combining accent (keyboards and platforms differ) is one password. Hashes stored before that
// were made from the password as typed: a password whose NFC form differs is compared as typed too,
// and a match that way is reported so the caller stores the NFC hash.

/** How a submitted password compares with a stored hash. `matchAsTyped`: only in the form it was
 * typed, not its NFC form (a hash stored before passwords were normalised): store it again. */
type PasswordComparison = 'mismatch' | 'match' | 'matchAsTyped';

export interface PasswordHasher {
  /** Hashes the password's NFC form. */
  hash(password: string): Promise<string>;
  verify(stored: string, password: string): Promise<PasswordComparison>;
  /** The stored hash was made with other parameters (or another algorithm) than the current ones. */
  needsRehash(stored: string): boolean;
  /** The work of a verify that never matches: a login for a user without a password costs the
   * time a wrong password does, so timing does not tell which users exist. */
  verifyNothing(password: string): Promise<false>;
}

/** The forms a password is compared in, in order: its NFC form, then as typed when that differs.
 * A wrong password costs one Argon2 comparison per form, for a real hash and the decoy alike. */
export function formsToCompare(password: string): readonly string[] {
  const normalised = password.normalize('NFC');
  return normalised === password ? [normalised] : [normalised, password];
}

/** The parameters a PHC string was made with; null when it is not an Argon2id hash of this form. */
export function argon2ParamsOf(stored: string): Argon2Params | null {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(stored);
  if (match === null) return null;
  return { memoryKib: Number(match[1]), timeCost: Number(match[2]), parallelism: Number(match[3]) };
}

/** The native binding, loaded at the first password operation: a server whose apps use no
 * passwords never maps it (about 13 MB). */
let binding: Promise<typeof import('@node-rs/argon2')> | null = null;
const argon2 = () => (binding ??= import('@node-rs/argon2'));

export function createPasswordHasher(params: Argon2Params = DEFAULT_ARGON2_PARAMS): PasswordHasher {
  // Argon2id is the library's default algorithm (its const enum cannot be named under isolatedModules).
  const options = { memoryCost: params.memoryKib, timeCost: params.timeCost, parallelism: params.parallelism };
  let decoy: Promise<string> | null = null;
  return {
    hash: async (password) => (await argon2()).hash(password.normalize('NFC'), options),
    async verify(stored, password) {
      const { verify } = await argon2();
      const [normalised, asTyped] = formsToCompare(password);
      if (await verify(stored, normalised ?? password)) return 'match';
      return asTyped !== undefined && (await verify(stored, asTyped)) ? 'matchAsTyped' : 'mismatch';
    },
    needsRehash(stored) {
      const used = argon2ParamsOf(stored);
      return used === null || used.memoryKib !== params.memoryKib || used.timeCost !== params.timeCost || used.parallelism !== params.parallelism;
    },
    async verifyNothing(password) {
      // A hash of a random secret nobody knows, made once with the current parameters.
      const { hash, verify } = await argon2();
      decoy ??= hash(randomBytes(32).toString('base64url'), options);
      for (const form of formsToCompare(password)) await verify(await decoy, form);
      return false;
    },
  };
}
