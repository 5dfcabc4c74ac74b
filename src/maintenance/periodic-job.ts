// Runs an async job again and again, `intervalMs` after the previous run ENDED (a slow run never
// overlaps the next one), until stopped. A run that throws is reported and the schedule goes on:
// one bad run (a database hiccup) must not end the job for the life of the process.

/** One-shot timers; injected so tests fire them by hand. A handle is whatever `set` gave. */
export interface JobTimers<Handle = unknown> {
  set(fn: () => Promise<void>, ms: number): Handle;
  clear(handle: Handle): void;
}

/** Node's timers, unref'ed: a pending run never keeps the process alive. */
export const nodeTimers: JobTimers<ReturnType<typeof setTimeout>> = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (handle) => clearTimeout(handle),
};

export interface PeriodicJob {
  /** No further runs; a run in progress is told to stop (its signal aborts) and awaited, so the
   * storage can close after this resolves. */
  stop(): Promise<void>;
}

export interface PeriodicJobOptions<Handle = unknown> {
  /** Between the end of one run and the start of the next; 0 = never run. */
  readonly intervalMs: number;
  /** Before the first run (default: intervalMs). */
  readonly firstDelayMs?: number;
  /** `signal` aborts when the job is stopped: a long run should stop at its next safe point. */
  readonly run: (signal: AbortSignal) => Promise<void>;
  /** Called with what a failed run threw. */
  readonly onError: (error: unknown) => void;
  readonly timers?: JobTimers<Handle>;
}

export function startPeriodicJob<Handle>(options: PeriodicJobOptions<Handle>): PeriodicJob {
  return options.timers === undefined ? runPeriodically(options, nodeTimers) : runPeriodically(options, options.timers);
}

function runPeriodically<Handle>(options: Omit<PeriodicJobOptions, 'timers'>, timers: JobTimers<Handle>): PeriodicJob {
  if (options.intervalMs <= 0) return { stop: async () => {} };
  const stopping = new AbortController();
  let pending: { readonly handle: Handle } | null = null;
  let running: Promise<void> | null = null;

  const schedule = (ms: number) => {
    pending = { handle: timers.set(tick, ms) };
  };
  async function tick(): Promise<void> {
    pending = null;
    if (stopping.signal.aborted) return;
    running = (async () => {
      try {
        await options.run(stopping.signal);
      } catch (error) {
        options.onError(error);
      }
    })();
    await running;
    running = null;
    if (!stopping.signal.aborted) schedule(options.intervalMs);
  }

  schedule(options.firstDelayMs ?? options.intervalMs);
  return {
    async stop() {
      stopping.abort();
      if (pending !== null) timers.clear(pending.handle);
      pending = null;
      await running;
    },
  };
}
