import { performance } from 'node:perf_hooks';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { DatabaseOutage } from '../storage/database-outage.js';
import type { Storage } from '../storage/prisma.js';
import { type JobTimers, type PeriodicJob, startPeriodicJob } from './periodic-job.js';
import { type PurgeOptions, purge } from './purge.js';

// The purge as a periodic job of the server (started by src/main.ts): one info line per run with
// the counts, one error line per failed run (a database outage is logged once, by the outage). The
// purge reads no secrets, so neither line holds any.

/** The first run comes soon after start, so instances that restart often purge too, but not
 * during start-up itself. */
export const FIRST_PURGE_DELAY_MS = 60_000;

export interface JobLog {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface PurgeJobDeps {
  readonly storage: Storage;
  readonly clock: Clock;
  readonly retention: Config['retention'];
  readonly log: JobLog;
  /** Takes a run's database fault (logged once per outage) instead of an error line per run. */
  readonly outage?: Pick<DatabaseOutage, 'absorb'>;
  readonly timers?: JobTimers;
  readonly purgeOptions?: PurgeOptions;
}

export function startPurgeJob(deps: PurgeJobDeps): PeriodicJob {
  const { storage, clock, retention, log } = deps;
  if (retention.purgeIntervalMs <= 0) log.info({ job: 'purge' }, 'purge job off (PURGE_INTERVAL_SECONDS=0)');
  return startPeriodicJob({
    intervalMs: retention.purgeIntervalMs,
    firstDelayMs: Math.min(retention.purgeIntervalMs, FIRST_PURGE_DELAY_MS),
    ...(deps.timers === undefined ? {} : { timers: deps.timers }),
    async run(signal) {
      const started = performance.now();
      const purged = await purge(storage, clock.now(), retention, { ...deps.purgeOptions, signal });
      const stopped = signal.aborted ? { stopped: true } : {};
      log.info({ job: 'purge', purged, ...stopped, ms: Math.round(performance.now() - started) }, 'purge done');
    },
    onError(error) {
      if (deps.outage?.absorb(error) === true) return;
      log.error({ job: 'purge', err: error }, 'purge failed; the next run retries');
    },
  });
}
