import type { JobTimers } from '../../src/maintenance/periodic-job.js';

// One-shot timers a test fires by hand: `fire()` runs the one pending callback and waits for it,
// so a periodic job is stepped run by run without sleeping or faking the global timers.

export interface ManualTimers extends JobTimers {
  /** Delays of the timers set so far, in order. */
  readonly delays: number[];
  /** How many timers are set and neither fired nor cleared. */
  pending(): number;
  /** Fires the single pending timer; the promise settles when its callback has finished (don't
   * await it to look at a run in progress). */
  fire(): Promise<void>;
}

export function manualTimers(): ManualTimers {
  const timers: { fn: () => Promise<void>; done: boolean }[] = [];
  const delays: number[] = [];
  const next = () => {
    const live = timers.filter((timer) => !timer.done);
    if (live.length !== 1) throw new Error(`expected one pending timer, found ${live.length}`);
    const timer = live[0] as (typeof live)[number];
    timer.done = true;
    return timer.fn();
  };
  return {
    delays,
    set(fn, ms) {
      const timer = { fn, done: false };
      timers.push(timer);
      delays.push(ms);
      return timer;
    },
    clear(handle) {
      (handle as { done: boolean }).done = true;
    },
    pending: () => timers.filter((timer) => !timer.done).length,
    fire: () => next(),
  };
}
