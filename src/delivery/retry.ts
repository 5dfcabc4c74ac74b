// Bounded retry for a single delivery: only a transient DeliveryError (outage, timeout, 429/5xx)
// is worth another attempt; a configuration or recipient fault fails the same way every time.
// The delays are short and few because a caller is waiting on the HTTP response: this smooths
// over a blip, it is not a queue.

import { DeliveryError } from './delivery-error.js';

/** Two retries, after 200 ms and then 1 s: at most ~1.2 s of waiting on top of the attempts. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = Object.freeze([200, 1_000]);

export interface RetryOptions {
  /** delaysMs[i] is the wait before retry i+1, so at most delaysMs.length retries. */
  readonly delaysMs: readonly number[];
  /** Injected by tests; defaults to a real timer. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export async function sendWithRetry(send: () => Promise<void>, options: RetryOptions): Promise<{ attempts: number }> {
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await send();
      return { attempts: attempt };
    } catch (error) {
      const delay = options.delaysMs[attempt - 1];
      if (!(error instanceof DeliveryError) || !error.transient || delay === undefined) throw error;
      await sleep(delay);
    }
  }
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
