import { hash as argon2Hash } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { argon2ParamsOf, createPasswordHasher, DEFAULT_ARGON2_PARAMS, formsToCompare } from '../../src/credentials/password-hasher.js';

// Small parameters keep the suite quick; the defaults are checked by what they say, not by time.
const CHEAP = { memoryKib: 1024, timeCost: 1, parallelism: 1 };

describe('password hashing (Argon2id)', () => {
  it('stores an Argon2id PHC string with the parameters, salted, and verifies only the right password', async () => {
    const hasher = createPasswordHasher(CHEAP);
    const stored = await hasher.hash('correct horse battery staple');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(argon2ParamsOf(stored)).toEqual(CHEAP);
    expect(await hasher.hash('correct horse battery staple')).not.toBe(stored);
    expect(await hasher.verify(stored, 'correct horse battery staple')).toBe('match');
    for (const wrong of ['correct horse battery stapl', 'Correct horse battery staple', '', 'correct horse battery staple ']) expect(await hasher.verify(stored, wrong), wrong).toBe('mismatch');
  });

  it('says when a hash was made with other parameters, so a login can hash the password again', async () => {
    const stored = await createPasswordHasher(CHEAP).hash('secret password');
    expect(createPasswordHasher(CHEAP).needsRehash(stored)).toBe(false);
    expect(createPasswordHasher({ ...CHEAP, timeCost: 2 }).needsRehash(stored)).toBe(true);
    expect(createPasswordHasher({ ...CHEAP, memoryKib: 2048 }).needsRehash(stored)).toBe(true);
    expect(createPasswordHasher(CHEAP).needsRehash('$2b$10$abcdefghijklmnopqrstuu')).toBe(true);
    // A hash made with older parameters still verifies under the new ones.
    expect(await createPasswordHasher({ ...CHEAP, timeCost: 2 }).verify(stored, 'secret password')).toBe('match');
  });

  // Issue 15: "é" as U+00E9, or as "e" + U+0301 (what some keyboards and platforms send).
  const COMPOSED = 'Caf\u00e9-au-lait-42';
  const DECOMPOSED = 'Cafe\u0301-au-lait-42';

  it('hashes and compares passwords in NFC: a character typed composed or decomposed is one password', async () => {
    const hasher = createPasswordHasher(CHEAP);
    expect(COMPOSED).not.toBe(DECOMPOSED);
    for (const [set, typed] of [
      [COMPOSED, DECOMPOSED],
      [DECOMPOSED, COMPOSED],
      [DECOMPOSED, DECOMPOSED],
    ] as const) {
      expect(await hasher.verify(await hasher.hash(set), typed)).toBe('match');
    }
    expect(await hasher.verify(await hasher.hash(COMPOSED), 'Cafe-au-lait-42')).toBe('mismatch');
  });

  it('a hash stored before passwords were normalised (of the password as typed) still verifies, and asks to be stored again', async () => {
    const hasher = createPasswordHasher(CHEAP);
    const legacy = await argon2Hash(DECOMPOSED, { memoryCost: CHEAP.memoryKib, timeCost: CHEAP.timeCost, parallelism: CHEAP.parallelism });
    expect(hasher.needsRehash(legacy)).toBe(false);
    expect(await hasher.verify(legacy, DECOMPOSED)).toBe('matchAsTyped');
    expect(await hasher.verify(legacy, 'Cafe\u0301-au-lait-43')).toBe('mismatch');
    // A password that is already NFC is compared once, as it always was.
    const plain = await argon2Hash('plain-ascii-42', { memoryCost: CHEAP.memoryKib, timeCost: CHEAP.timeCost, parallelism: CHEAP.parallelism });
    expect(await hasher.verify(plain, 'plain-ascii-42')).toBe('match');
  });

  it('a wrong password is compared once per form it may have been stored in, for a real hash and the decoy alike', () => {
    expect(formsToCompare('plain-ascii-42')).toEqual(['plain-ascii-42']);
    expect(formsToCompare(COMPOSED)).toEqual([COMPOSED]);
    expect(formsToCompare(DECOMPOSED)).toEqual([COMPOSED, DECOMPOSED]);
  });

  it('for a user without a password, answers no whatever the password', async () => {
    const hasher = createPasswordHasher(CHEAP);
    expect(await hasher.verifyNothing('anything')).toBe(false);
    expect(await hasher.verifyNothing('')).toBe(false);
  });

  it('defaults above OWASP’s minimum for Argon2id (19 MiB, 2 passes)', () => {
    expect(DEFAULT_ARGON2_PARAMS.memoryKib).toBeGreaterThanOrEqual(19_456);
    expect(DEFAULT_ARGON2_PARAMS.timeCost).toBeGreaterThanOrEqual(2);
  });
});
