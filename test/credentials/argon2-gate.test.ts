import { describe, expect, it } from 'vitest';
import { createArgon2Gate, type GateSlot, type SheddingEvent } from '../../src/credentials/argon2-gate.js';
import { AuthError } from '../../src/errors.js';

// The gate in front of Argon2 (issue 15): at most `concurrency` password operations at once, at
// most `queueMax` waiting, the rest turned away with 503 + Retry-After; slots go to apps in turn,
// and a full queue makes room for an app with fewer waiting. No clock: what is admitted when is
// observed through the promises themselves.

/** Lets every promise that can settle, settle (admissions happen in microtasks). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Enters the gate and records when this request is admitted or turned away. */
function request(gate: ReturnType<typeof createArgon2Gate>, appId: string, log: string[], name: string, abandoned?: AbortSignal) {
  const state: { slot: GateSlot | null; refused: unknown } = { slot: null, refused: null };
  const entered = gate.enter(appId, abandoned).then(
    (slot) => {
      state.slot = slot;
      log.push(name);
    },
    (error: unknown) => {
      state.refused = error;
      log.push(`${name} refused`);
    },
  );
  return Object.assign(state, { entered, release: () => state.slot?.release() });
}

describe('the Argon2 gate', () => {
  it('runs at most `concurrency` at once; the next waits for a slot to be freed', async () => {
    const gate = createArgon2Gate({ concurrency: 2, queueMax: 10 });
    const log: string[] = [];
    const [a, b, c] = ['a', 'b', 'c'].map((name) => request(gate, 'app', log, name));
    await settle();
    expect(log).toEqual(['a', 'b']);
    a?.release();
    await settle();
    expect(log).toEqual(['a', 'b', 'c']);
    b?.release();
    c?.release();
  });

  it('turns away a request that finds the queue full, at once, with 503 and a retry time, without disturbing the others', async () => {
    const gate = createArgon2Gate({ concurrency: 1, queueMax: 2 });
    const log: string[] = [];
    const requests = ['running', 'waits-1', 'waits-2', 'shed'].map((name) => request(gate, 'app', log, name));
    await settle();
    expect(log).toEqual(['running', 'shed refused']);
    const refused = requests[3]?.refused;
    expect(refused).toBeInstanceOf(AuthError);
    expect(refused).toMatchObject({ code: 'PASSWORD_HASHING_BUSY', status: 503, details: { retryAfterSeconds: 1 } });
    for (const index of [0, 1, 2]) {
      requests[index]?.release();
      await settle();
    }
    expect(log).toEqual(['running', 'shed refused', 'waits-1', 'waits-2']);
  });

  it('with no queue, turns away whatever finds every slot taken', async () => {
    const gate = createArgon2Gate({ concurrency: 1, queueMax: 0 });
    const log: string[] = [];
    const first = request(gate, 'app', log, 'first');
    request(gate, 'other', log, 'second');
    await settle();
    expect(log).toEqual(['first', 'second refused']);
    first.release();
    const third = request(gate, 'app', log, 'third');
    await settle();
    expect(log).toEqual(['first', 'second refused', 'third']);
    third.release();
  });

  it('frees the slot when the work fails, and a second release frees nothing more', async () => {
    const gate = createArgon2Gate({ concurrency: 1, queueMax: 5 });
    const log: string[] = [];
    await expect(gate.run('app', () => Promise.reject(new Error('argon2 failed')))).rejects.toThrow('argon2 failed');
    expect(await gate.run('app', async () => 'after the failure')).toBe('after the failure');
    const first = request(gate, 'app', log, 'first');
    const second = request(gate, 'app', log, 'second');
    const third = request(gate, 'app', log, 'third');
    await settle();
    first.release();
    first.release();
    await settle();
    // One slot: the double release let in one waiter, not two.
    expect(log).toEqual(['first', 'second']);
    second.release();
    await settle();
    expect(log).toEqual(['first', 'second', 'third']);
    third.release();
  });

  it('gives freed slots to the waiting apps in turn: one app’s backlog does not hold another app’s login behind it', async () => {
    const gate = createArgon2Gate({ concurrency: 1, queueMax: 10 });
    const log: string[] = [];
    const sent = new Map([...['flood-0', 'flood-1', 'flood-2', 'flood-3'].map((name) => [name, request(gate, 'flooding', log, name)] as const), ['bank', request(gate, 'bank', log, 'bank')]]);
    await settle();
    // Each admitted request finishes in turn, freeing its slot for the next.
    for (let done = 0; done < sent.size; done++) {
      sent.get(log.at(-1) ?? '')?.release();
      await settle();
    }
    expect(log).toEqual(['flood-0', 'flood-1', 'bank', 'flood-2', 'flood-3']);
  });

  it('a full queue makes room for an app with fewer waiting: the flooding app’s latest waiter is turned away instead', async () => {
    const gate = createArgon2Gate({ concurrency: 1, queueMax: 3 });
    const log: string[] = [];
    const sent = new Map(['flood-0', 'flood-1', 'flood-2', 'flood-3'].map((name) => [name, request(gate, 'flooding', log, name)] as const));
    await settle();
    sent.set('bank-1', request(gate, 'bank', log, 'bank-1'));
    await settle();
    expect(log).toEqual(['flood-0', 'flood-3 refused']);
    expect(sent.get('flood-3')?.refused).toMatchObject({ code: 'PASSWORD_HASHING_BUSY', details: { retryAfterSeconds: 1 } });
    // Two of the flood's and one of the bank's wait: another bank request would leave the bank no
    // better off than the flood, so it is turned away itself, like the flood's next one.
    sent.set('bank-2', request(gate, 'bank', log, 'bank-2'));
    sent.set('flood-4', request(gate, 'flooding', log, 'flood-4'));
    await settle();
    expect(log).toEqual(['flood-0', 'flood-3 refused', 'bank-2 refused', 'flood-4 refused']);
    for (let done = 0; done < 4; done++) {
      sent.get(log.filter((line) => !line.endsWith('refused')).at(-1) ?? '')?.release();
      await settle();
    }
    expect(log.filter((line) => !line.endsWith('refused'))).toEqual(['flood-0', 'flood-1', 'bank-1', 'flood-2']);
  });

  it('a waiter whose client has gone leaves the queue at once: its place goes to the next request, its turn to the next waiter', async () => {
    const gate = createArgon2Gate({ concurrency: 1, queueMax: 1 });
    const log: string[] = [];
    const running = request(gate, 'app', log, 'running');
    const client = new AbortController();
    request(gate, 'app', log, 'gone', client.signal);
    await settle();
    client.abort();
    const next = request(gate, 'app', log, 'next');
    await settle();
    expect(log).toEqual(['running', 'gone refused']);
    running.release();
    await settle();
    expect(log).toEqual(['running', 'gone refused', 'next']);
    next.release();
    // Gone before it asked: never queued.
    request(gate, 'app', log, 'gone before', AbortSignal.abort());
    await settle();
    expect(log.at(-1)).toBe('gone before refused');
  });

  it('tells the operator once when it starts turning requests away, and once when its queue has emptied, with the count', async () => {
    const events: SheddingEvent[] = [];
    const gate = createArgon2Gate({ concurrency: 1, queueMax: 1, onShedding: (event) => events.push(event) });
    const log: string[] = [];
    const running = request(gate, 'app', log, 'running');
    const waiting = request(gate, 'app', log, 'waiting');
    for (const name of ['shed-1', 'shed-2', 'shed-3']) request(gate, 'app', log, name);
    await settle();
    expect(events).toEqual([{ shedding: true }]);
    running.release();
    await settle();
    // The waiter took the slot; the queue is empty.
    expect(events).toEqual([{ shedding: true }, { shedding: false, shed: 3 }]);
    waiting.release();
    await settle();
    expect(events).toHaveLength(2);
  });
});
