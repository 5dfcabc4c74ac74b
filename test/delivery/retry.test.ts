import { describe, expect, it } from 'vitest';
import { DeliveryError } from '../../src/delivery/delivery-error.js';
import { DEFAULT_RETRY_DELAYS_MS, sendWithRetry } from '../../src/delivery/retry.js';

/** A send that fails with the given errors, in order, then succeeds; counts its calls. */
function flakySend(failures: readonly Error[]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    send: async () => {
      const failure = failures[calls];
      calls += 1;
      if (failure !== undefined) throw failure;
    },
  };
}

/** Records each requested delay and resolves at once: no real waiting. */
function recordingSleep() {
  const slept: number[] = [];
  return { slept, sleep: async (ms: number) => void slept.push(ms) };
}

const transient = () => new DeliveryError('sms_unavailable', true);
const permanent = () => new DeliveryError('sms_invalid_number', false);

describe('sendWithRetry', () => {
  it('returns after one attempt when the send succeeds', async () => {
    const flaky = flakySend([]);
    const { slept, sleep } = recordingSleep();

    expect(await sendWithRetry(flaky.send, { delaysMs: [200, 1000], sleep })).toEqual({ attempts: 1 });
    expect(slept).toEqual([]);
  });

  it('retries transient failures after the given delays', async () => {
    const flaky = flakySend([transient(), transient()]);
    const { slept, sleep } = recordingSleep();

    expect(await sendWithRetry(flaky.send, { delaysMs: [200, 1000], sleep })).toEqual({ attempts: 3 });
    expect(slept).toEqual([200, 1000]);
    expect(flaky.calls).toBe(3);
  });

  it('gives up after delaysMs.length retries and rethrows the last error', async () => {
    const last = new DeliveryError('sms_timeout', true);
    const flaky = flakySend([transient(), transient(), last, transient()]);
    const { slept, sleep } = recordingSleep();

    await expect(sendWithRetry(flaky.send, { delaysMs: [5, 10], sleep })).rejects.toBe(last);
    expect(flaky.calls).toBe(3);
    expect(slept).toEqual([5, 10]);
  });

  it('never retries a non-transient failure', async () => {
    const err = permanent();
    const flaky = flakySend([err]);
    const { slept, sleep } = recordingSleep();

    await expect(sendWithRetry(flaky.send, { delaysMs: [200, 1000], sleep })).rejects.toBe(err);
    expect(flaky.calls).toBe(1);
    expect(slept).toEqual([]);
  });

  it('never retries a configuration fault', async () => {
    const err = new DeliveryError('sms_auth_failed', false);
    const flaky = flakySend([err]);
    const { sleep } = recordingSleep();

    await expect(sendWithRetry(flaky.send, { delaysMs: [200], sleep })).rejects.toMatchObject({ configuration: true });
    expect(flaky.calls).toBe(1);
  });

  it('never retries an error that is not a DeliveryError', async () => {
    const err = new TypeError('bug');
    const flaky = flakySend([err]);
    const { slept, sleep } = recordingSleep();

    await expect(sendWithRetry(flaky.send, { delaysMs: [200, 1000], sleep })).rejects.toBe(err);
    expect(flaky.calls).toBe(1);
    expect(slept).toEqual([]);
  });

  it('makes a single attempt when no delays are given', async () => {
    const err = transient();
    const flaky = flakySend([err]);
    const { slept, sleep } = recordingSleep();

    await expect(sendWithRetry(flaky.send, { delaysMs: [], sleep })).rejects.toBe(err);
    expect(flaky.calls).toBe(1);
    expect(slept).toEqual([]);
  });

  it('has a short, bounded default backoff', () => {
    expect(DEFAULT_RETRY_DELAYS_MS).toEqual([200, 1000]);
    expect(Object.isFrozen(DEFAULT_RETRY_DELAYS_MS)).toBe(true);
  });
});
