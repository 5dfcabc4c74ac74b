import { describe, expect, it } from 'vitest';
import { createKeptOutcomes, type DeliveryOutcome } from '../../src/delivery/kept-outcomes.js';

// The outcomes a process holds for the delivery worker (issue 15): an attempt is held while it
// runs, its outcome once it ends, until the worker forgets it; an attempt that fails with
// something other than a delivery failure is logged and dropped (its message's lease ends and a
// worker attempts it again), never an unhandled rejection.

/** A promise the test settles by hand. */
function gate<T>() {
  let settle: { resolve: (value: T) => void; reject: (error: Error) => void } | undefined;
  const promise = new Promise<T>((resolve, reject) => {
    settle = { resolve, reject };
  });
  if (settle === undefined) throw new Error('unreachable: the executor runs at once');
  return { promise, ...settle };
}

describe('kept outcomes', () => {
  it('holds an attempt until it ends, then its outcome until forgotten; settled() waits for running ones', async () => {
    const kept = createKeptOutcomes({ warn: () => {} });
    const first = gate<DeliveryOutcome>();
    const second = gate<DeliveryOutcome>();
    kept.keep('flow-1', first.promise);
    kept.keep('flow-2', second.promise);
    expect(kept.ended()).toEqual([]);

    second.resolve({ type: 'challenge.undeliverable', reason: 'smtp_timeout', fault: 'outage' });
    await kept.settled('flow-2');
    expect(kept.ended()).toEqual([{ flowId: 'flow-2', outcome: { type: 'challenge.undeliverable', reason: 'smtp_timeout', fault: 'outage' } }]);

    first.resolve({ type: 'challenge.delivered' });
    await kept.settled();
    expect(kept.ended().map((held) => held.flowId)).toEqual(['flow-2', 'flow-1']);
    for (const held of kept.ended()) kept.forget(held);
    expect(kept.ended()).toEqual([]);
  });

  it('an attempt that throws something else is logged and dropped', async () => {
    const warnings: string[] = [];
    const kept = createKeptOutcomes({ warn: (_fields, message) => warnings.push(message) });
    const attempt = gate<DeliveryOutcome>();
    kept.keep('flow-3', attempt.promise);
    attempt.reject(new TypeError('a bug'));
    await kept.settled();
    expect(kept.ended()).toEqual([]);
    expect(warnings).toEqual(['delivery attempt failed unexpectedly']);
  });
});
