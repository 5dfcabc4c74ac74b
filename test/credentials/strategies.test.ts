import { randomBytes } from 'node:crypto';
import { hash as argon2Hash } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { PASSWORD_METHOD } from '../../machines/password.machine.js';
import { TOTP_METHOD } from '../../machines/totp.machine.js';
import { createPasswordHasher } from '../../src/credentials/password-hasher.js';
import { passwordStrategy } from '../../src/flows/password/strategy.js';
import { totpCode, totpStep } from '../../src/flows/totp/codes.js';
import { totpStrategy } from '../../src/flows/totp/strategy.js';
import { createSealer } from '../../src/secrets/sealer.js';

// The two credential strategies (issue 11): what enrolment keeps and shows, what verification
// answers, what revocation leaves, and the amr method each proves (the one its machine records).

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);

describe('password strategy', () => {
  const strategy = passwordStrategy(createPasswordHasher());

  it('keeps an Argon2id hash, shows nothing, and verifies against it', async () => {
    expect({ kind: strategy.kind, method: strategy.method }).toEqual({ kind: 'password', method: PASSWORD_METHOD });
    const enrolled = await strategy.enroll('pwd-1', { password: 'Correct-Horse-42-battery' });
    expect(enrolled.secret).toMatch(/^\$argon2id\$v=19\$m=32768,t=3,p=1\$/);
    expect(enrolled.reveal).toBeNull();
    const stored = { id: 'pwd-1', secret: enrolled.secret, params: enrolled.params };
    expect(await strategy.verify(stored, 'Correct-Horse-42-battery', {})).toEqual({ matched: true, rehashed: null });
    expect(await strategy.verify(stored, 'correct-horse-42-battery', {})).toEqual({ matched: false, rehashed: null });
    expect(strategy.revoke(stored)).toEqual({ secret: '' });
  });

  it('a match under older parameters comes with the hash under the current ones', async () => {
    const older = await passwordStrategy(createPasswordHasher({ memoryKib: 19_456, timeCost: 2, parallelism: 1 })).enroll('pwd-2', { password: 'Correct-Horse-42-battery' });
    const verdict = await strategy.verify({ id: 'pwd-2', secret: older.secret, params: {} }, 'Correct-Horse-42-battery', {});
    expect(verdict.matched).toBe(true);
    expect(verdict.rehashed).toMatch(/^\$argon2id\$v=19\$m=32768,t=3,p=1\$/);
  });

  it('a match against a hash of the password as typed (stored before passwords were normalised) comes with its NFC hash (issue 15)', async () => {
    const typed = 'Cafe\u0301-au-lait-42';
    const legacy = await argon2Hash(typed, { memoryCost: 32_768, timeCost: 3, parallelism: 1 });
    const verdict = await strategy.verify({ id: 'pwd-3', secret: legacy, params: {} }, typed, {});
    expect(verdict.matched).toBe(true);
    if (verdict.rehashed === null) throw new Error('expected a new hash');
    expect(await createPasswordHasher().verify(verdict.rehashed, 'Caf\u00e9-au-lait-42')).toBe('match');
    expect(await strategy.verify({ id: 'pwd-3', secret: verdict.rehashed, params: {} }, typed, {})).toEqual({ matched: true, rehashed: null });
  });
});

describe('TOTP strategy', () => {
  const sealer = createSealer(randomBytes(32));
  const strategy = totpStrategy(sealer);
  const params = { algorithm: 'sha256', digits: 8, period: 30 } as const;

  it('keeps the seed sealed to its credential, shows it once as secret, otpauth URI and QR code, and verifies codes', async () => {
    expect({ kind: strategy.kind, method: strategy.method }).toEqual({ kind: 'totp', method: TOTP_METHOD });
    const enrolled = await strategy.enroll('totp-1', { params, issuer: 'Bank', label: 'ada@example.com' });
    const seed = enrolled.reveal.secret;
    expect(seed).toMatch(/^[A-Z2-7]{52}$/); // 32 bytes for SHA-256, base32
    expect(enrolled.secret).not.toContain(seed);
    expect(enrolled.params).toEqual(params);
    expect(enrolled.reveal.uri).toBe(`otpauth://totp/Bank:ada%40example.com?issuer=Bank&secret=${seed}&algorithm=SHA256&digits=8&period=30`);
    expect(enrolled.reveal.qr_code).toMatch(/^data:image\/png;base64,/);

    const stored = { id: 'totp-1', secret: enrolled.secret, params: enrolled.params };
    const step = totpStep(params, T0);
    expect(await strategy.verify(stored, totpCode(seed, params, step), { at: T0, window: 1 })).toBe(step);
    expect(await strategy.verify(stored, totpCode(seed, params, step + 1), { at: T0, window: 1 })).toBeNull();
    // The seal names its credential: the same value under another row's id does not open.
    await expect(strategy.verify({ ...stored, id: 'totp-2' }, totpCode(seed, params, step), { at: T0, window: 1 })).rejects.toThrow();
    expect(strategy.revoke(stored)).toEqual({ secret: '' });
  });
});
