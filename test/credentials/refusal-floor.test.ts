import { describe, expect, it } from 'vitest';
import { refusalFloor } from '../../src/credentials/refusal-floor.js';
import { AuthError } from '../../src/errors.js';

// Issue 15 §6: a refused login answers no sooner than the floor after it began, so what is left
// between nobody and a holder (reading a row that exists) does not show in its timing. The clock
// and the wait are the test's own: nothing is timed for real.

function floorOf(floorMs: number) {
  let nowMs = 0;
  const waits: number[] = [];
  const floor = refusalFloor(floorMs, { now: () => nowMs, wait: async (ms) => waits.push(ms) });
  const taking = <R>(ms: number, outcome: () => R) => floor(async () => ((nowMs += ms), outcome()));
  return { taking, waits };
}

const refused = () => {
  throw new AuthError('OTP_INVALID_CREDENTIALS');
};

describe('the refusal floor', () => {
  it('holds a refusal that took less than the floor until the floor', async () => {
    const { taking, waits } = floorOf(10);
    await expect(taking(3, refused)).rejects.toMatchObject({ code: 'OTP_INVALID_CREDENTIALS' });
    await expect(taking(2.5, refused)).rejects.toMatchObject({ code: 'OTP_INVALID_CREDENTIALS' });
    expect(waits).toEqual([7, 7.5]);
  });

  it('adds nothing to a refusal that took longer, to a success, or to what is not a refusal (a bug)', async () => {
    const { taking, waits } = floorOf(10);
    await expect(taking(12, refused)).rejects.toBeInstanceOf(AuthError);
    await expect(taking(1, () => 'tokens')).resolves.toBe('tokens');
    await expect(
      taking(1, () => {
        throw new Error('a bug');
      }),
    ).rejects.toThrow('a bug');
    expect(waits).toEqual([]);
  });

  it('0 turns it off', async () => {
    const { taking, waits } = floorOf(0);
    await expect(taking(1, refused)).rejects.toBeInstanceOf(AuthError);
    expect(waits).toEqual([]);
  });
});
