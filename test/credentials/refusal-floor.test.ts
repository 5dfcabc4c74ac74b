import { describe, expect, it } from 'vitest';
import { type ArmedTimer, refusalFloor } from '../../src/credentials/refusal-floor.js';
import { AuthError } from '../../src/errors.js';

// Issue 15 §6: a refused login answers no sooner than the floor after it began, so what is left
// between nobody and a holder (reading a row that exists) does not show in its timing. The floor's
// timer is armed when the login begins (a wait computed from the work would carry the work's
// fraction of a millisecond into the answer). The timers are the test's own: nothing is timed.

function floorOf(floorMs: number) {
  const armed: { ms: number; fire: () => void; cancelled: boolean; awaited: boolean }[] = [];
  const arm = (ms: number): ArmedTimer => {
    let fire = () => {};
    const timer = { ms, fire: () => fire(), cancelled: false, awaited: false };
    const elapsed = new Promise<void>((resolve) => (fire = resolve));
    armed.push(timer);
    return {
      get elapsed() {
        timer.awaited = true;
        return elapsed;
      },
      cancel: () => {
        timer.cancelled = true;
      },
    };
  };
  return { floor: refusalFloor(floorMs, arm), armed };
}

const refused = async (): Promise<never> => {
  throw new AuthError('OTP_INVALID_CREDENTIALS');
};

describe('the refusal floor', () => {
  it('arms its timer when the login begins, and holds a refusal until it fires', async () => {
    const { floor, armed } = floorOf(10);
    let answered = false;
    const login = floor(refused).catch((error: unknown) => {
      answered = true;
      throw error;
    });
    expect(armed.map((timer) => timer.ms)).toEqual([10]);
    await Promise.resolve();
    await Promise.resolve();
    expect(answered).toBe(false);
    armed[0]?.fire();
    await expect(login).rejects.toMatchObject({ code: 'OTP_INVALID_CREDENTIALS' });
    expect(armed[0]?.cancelled).toBe(true);
  });

  it('a success or what is not a refusal (a bug) does not wait, and disarms the timer', async () => {
    const { floor, armed } = floorOf(10);
    await expect(floor(async () => 'tokens')).resolves.toBe('tokens');
    await expect(
      floor(async () => {
        throw new Error('a bug');
      }),
    ).rejects.toThrow('a bug');
    expect(armed.map((timer) => [timer.awaited, timer.cancelled])).toEqual([
      [false, true],
      [false, true],
    ]);
  });

  it('0 turns it off', async () => {
    const { floor, armed } = floorOf(0);
    await expect(floor(refused)).rejects.toBeInstanceOf(AuthError);
    expect(armed).toEqual([]);
  });
});
