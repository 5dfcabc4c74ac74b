import type { Clock } from '../clock.js';
import { type DatabaseFault, databaseFaultOf } from './database-fault.js';

// Whether the database is in an outage, so that the log tells an operator when one started and
// when it ended (one line each, with what was refused meanwhile) instead of a stack per request.
// Fed by the faults that requests, jobs and probes meet (classified by ./database-fault.ts); once
// failing, it waits for the next change the database commits (./committed-changes.ts), the proof
// that writes work again. A read that succeeds proves nothing: a read-only or full database reads.

export interface OutageLog {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

export interface DatabaseOutage {
  /** A database fault was met; `refusedRequest` when a request is answered 503 because of it. */
  failed(fault: DatabaseFault, refusedRequest: boolean): void;
  /** The fault `error` is, recorded as a refused request; null when it is not a database fault. */
  refuse(error: unknown): DatabaseFault | null;
  /** Records `error` if it is a database fault (a background run: no request refused), and says
   * whether it was. */
  absorb(error: unknown): boolean;
  /** A change was committed: the database takes writes again (called by the wait for one). */
  wrote(): void;
  /** True from the first fault until the next committed change. */
  readonly failing: boolean;
}

export function createDatabaseOutage(deps: { clock: Clock; log: OutageLog; nextChangeCommitted: () => Promise<void> }): DatabaseOutage {
  const { clock, log } = deps;
  let since: number | null = null;
  let refused = 0;
  let first: DatabaseFault | null = null;

  const record = (error: unknown, refusedRequest: boolean): DatabaseFault | null => {
    const fault = databaseFaultOf(error);
    if (fault !== null) outage.failed(fault, refusedRequest);
    return fault;
  };

  const outage: DatabaseOutage = {
    failed(fault, refusedRequest) {
      if (since === null) {
        since = clock.now();
        first = fault;
        refused = 0;
        log.warn({ database: 'unavailable', reason: fault.reason, code: fault.code }, 'database unavailable: requests that need it answer 503 DATABASE_UNAVAILABLE until a write succeeds again');
        void deps.nextChangeCommitted().then(() => outage.wrote());
      }
      if (refusedRequest) refused += 1;
    },
    refuse: (error) => record(error, true),
    absorb: (error) => record(error, false) !== null,
    wrote() {
      if (since === null) return;
      log.info({ database: 'available', reason: first?.reason, refused, downMs: clock.now() - since }, 'database available again');
      since = null;
      first = null;
    },
    get failing() {
      return since !== null;
    },
  };
  return outage;
}
