import { describe, expect, it } from 'vitest';
import { nodeTimers, startPeriodicJob } from '../../src/maintenance/periodic-job.js';
import { manualTimers } from '../helpers/manual-timers.js';

// The scheduler on its own, stepped with timers the test fires by hand.

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('periodic job', () => {
  it('runs first after firstDelayMs, then intervalMs after each run ended', async () => {
    const timers = manualTimers();
    let runs = 0;
    const job = startPeriodicJob({ intervalMs: 3_600_000, firstDelayMs: 60_000, timers, run: async () => void runs++, onError: () => {} });
    expect(timers.delays).toEqual([60_000]);
    expect(runs).toBe(0);
    await timers.fire();
    expect(runs).toBe(1);
    expect(timers.delays).toEqual([60_000, 3_600_000]);
    await timers.fire();
    expect(runs).toBe(2);
    expect(timers.delays).toEqual([60_000, 3_600_000, 3_600_000]);
    await job.stop();
  });

  it('never overlaps: the next run is scheduled only when the current one has finished', async () => {
    const timers = manualTimers();
    const slow = deferred();
    const job = startPeriodicJob({ intervalMs: 1000, timers, run: () => slow.promise, onError: () => {} });
    const running = timers.fire();
    expect(timers.pending()).toBe(0);
    slow.resolve();
    await running;
    expect(timers.pending()).toBe(1);
    await job.stop();
  });

  it('is off at an interval of 0: it never schedules a run', async () => {
    const timers = manualTimers();
    const job = startPeriodicJob({ intervalMs: 0, timers, run: async () => expect.unreachable(), onError: () => {} });
    expect(timers.delays).toEqual([]);
    await job.stop();
  });

  it('reports a run that threw, and runs again on schedule', async () => {
    const timers = manualTimers();
    const errors: unknown[] = [];
    let runs = 0;
    const job = startPeriodicJob({
      intervalMs: 1000,
      timers,
      run: async () => {
        runs++;
        if (runs === 1) throw new Error('database unreachable');
      },
      onError: (error) => errors.push(error),
    });
    await timers.fire();
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('database unreachable');
    expect(timers.pending()).toBe(1);
    await timers.fire();
    expect(runs).toBe(2);
    expect(errors).toHaveLength(1);
    await job.stop();
  });

  it('stop() clears the pending run: nothing runs afterwards', async () => {
    const timers = manualTimers();
    let runs = 0;
    const job = startPeriodicJob({ intervalMs: 1000, timers, run: async () => void runs++, onError: () => {} });
    await timers.fire();
    await job.stop();
    expect(timers.pending()).toBe(0);
    expect(runs).toBe(1);
  });

  it('stop() during a run aborts its signal, waits for it to end, and schedules nothing after it', async () => {
    const timers = manualTimers();
    const slow = deferred();
    let signal: AbortSignal | null = null;
    const job = startPeriodicJob({
      intervalMs: 1000,
      timers,
      run: async (given) => {
        signal = given;
        await slow.promise;
      },
      onError: () => {},
    });
    const running = timers.fire();
    let stopped = false;
    const stopping = job.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect((signal as AbortSignal | null)?.aborted).toBe(true);
    expect(stopped).toBe(false);
    slow.resolve();
    await Promise.all([running, stopping]);
    expect(stopped).toBe(true);
    expect(timers.pending()).toBe(0);
  });

  it('uses unref’ed timers by default: a pending run never keeps the process alive', () => {
    const handle = nodeTimers.set(async () => {}, 60_000) as ReturnType<typeof setTimeout>;
    try {
      expect(handle.hasRef()).toBe(false);
    } finally {
      nodeTimers.clear(handle);
    }
  });
});
