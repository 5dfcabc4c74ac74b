import { describe, expect, it } from 'vitest';
import { matchTotp, newTotpSeed, otpauthUri, totpCode, type TotpParams, totpStep } from '../../../src/flows/totp/codes.js';

// RFC 6238 Appendix B: the reference seeds (ASCII "1234567890…" of the hash's length), 8 digits,
// 30-second steps from T0 = 0, and the codes the RFC lists for six moments and three hashes.

const base32 = (ascii: string): string => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of Buffer.from(ascii, 'latin1')) bits += byte.toString(2).padStart(8, '0');
  return (bits.match(/.{1,5}/g) ?? []).map((chunk) => alphabet[Number.parseInt(chunk.padEnd(5, '0'), 2)]).join('');
};
const SEEDS = {
  sha1: base32('12345678901234567890'),
  sha256: base32('12345678901234567890123456789012'),
  sha512: base32('1234567890123456789012345678901234567890123456789012345678901234'),
} as const;
const VECTORS: readonly [seconds: number, sha1: string, sha256: string, sha512: string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('TOTP (RFC 6238)', () => {
  it('gives the codes of Appendix B for SHA-1, SHA-256 and SHA-512', () => {
    for (const [seconds, ...codes] of VECTORS) {
      (['sha1', 'sha256', 'sha512'] as const).forEach((algorithm, index) => {
        const params: TotpParams = { algorithm, digits: 8, period: 30 };
        expect(totpCode(SEEDS[algorithm], params, totpStep(params, seconds * 1000)), `${algorithm} at ${seconds}`).toBe(codes[index]);
        expect(matchTotp(SEEDS[algorithm], params, codes[index] ?? '', seconds * 1000, 0)).toBe(Math.floor(seconds / 30));
      });
    }
  });

  it('matches the current step and the `window` steps before it, never a later one', () => {
    const params: TotpParams = { algorithm: 'sha1', digits: 6, period: 30 };
    const seed = newTotpSeed('sha1');
    const at = 1_800_000_000_000;
    const step = totpStep(params, at);
    const code = (offset: number) => totpCode(seed, params, step + offset);
    expect(matchTotp(seed, params, code(0), at, 1)).toBe(step);
    expect(matchTotp(seed, params, code(-1), at, 1)).toBe(step - 1);
    expect(matchTotp(seed, params, code(-2), at, 1)).toBeNull();
    expect(matchTotp(seed, params, code(1), at, 1)).toBeNull();
    expect(matchTotp(seed, params, code(-1), at, 0)).toBeNull();
    expect(matchTotp(seed, params, code(-3), at, 3)).toBe(step - 3);
  });

  it('refuses codes of the wrong length or with anything but digits', () => {
    const params: TotpParams = { algorithm: 'sha256', digits: 6, period: 30 };
    const seed = newTotpSeed('sha256');
    const right = totpCode(seed, params, totpStep(params, 0));
    for (const token of ['', right.slice(1), `${right}0`, ` ${right.slice(1)}`, `${right.slice(0, 5)}a`]) expect(matchTotp(seed, params, token, 0, 1), token).toBeNull();
    expect(matchTotp(seed, params, right, 0, 1)).toBe(0);
  });

  it('draws seeds of the hash length, at random, and writes the URI authenticator apps scan', () => {
    const lengths = (['sha1', 'sha256', 'sha512'] as const).map((algorithm) => Math.floor((newTotpSeed(algorithm).length * 5) / 8));
    expect(lengths).toEqual([20, 32, 64]);
    expect(newTotpSeed('sha1')).not.toBe(newTotpSeed('sha1'));
    const uri = new URL(otpauthUri({ issuer: 'Acme Shop', label: 'ada@example.com', seed: SEEDS.sha256, params: { algorithm: 'sha256', digits: 8, period: 60 } }));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Acme Shop:ada@example.com');
    expect(Object.fromEntries(uri.searchParams)).toEqual({ issuer: 'Acme Shop', secret: SEEDS.sha256, algorithm: 'SHA256', digits: '8', period: '60' });
  });
});
