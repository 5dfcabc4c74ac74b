import type { Config } from '../config.js';
import {
  type BatchResult,
  clearSpentSecrets,
  deleteCredentialsRevokedBefore,
  deleteDeadRefreshFamilies,
  deleteFlowsExpiredBefore,
  deletePasscodeLocksEndedBefore,
  deleteOutboxMessagesBefore,
  deleteSessionsEndedBefore,
  deleteStandInsSettledBefore,
  findSessionsEndedBefore,
} from '../repositories/purge-repository.js';
import type { Storage } from '../storage/prisma.js';

// Nothing grows forever: one purge run deletes what no request can use any more, and, after the
// audit period, the audit trail of what is over. Every kind is deleted in small batches, each its
// own short statement (or, for sessions, its own short transaction), so requests interleave with a
// long purge instead of waiting behind it.
//
// What goes, and when (`at` is the time of the run):
//   challenges     the code hashes of flows whose code expired more than graceMs ago (the flow
//                  itself stays for its audit period)
//   refreshTokens  families expired, revoked for reuse, or whose session was logged out or
//                  revoked, more than graceMs ago (an active family keeps its rotated-out tokens:
//                  they detect reuse)
//   sessions       terminated or expired more than auditMs ago, with their event log (in the row)
//                  and their refresh-token families (cascade)
//   flows          expired more than auditMs ago, with their event log (in the row): a flow's log
//                  is its audit trail, kept for the audit period after the flow could last act
//   credentials    revoked more than auditMs ago, with their event log (live ones never go)
//   standIns       stand-ins for credentials nobody holds (src/credentials/shadow-credentials.ts),
//                  once settled: no lock in force, no failure still counting, so they answer as a
//                  new one would and nothing is lost; so identifiers an attacker makes up cannot
//                  pile up beyond the lock and lapse periods
//   lockouts       users' passcode locks (credential instances of kind passcode-lock) whose lock
//                  ended more than graceMs ago, with their event log (a later lock starts anew)
//   deliveries     dev-outbox messages written more than graceMs ago

export type Retention = Pick<Config['retention'], 'auditMs' | 'graceMs'>;

/** Rows deleted per kind (for the log line); extra steps add their own kinds. */
export type PurgeCounts = Readonly<Record<string, number>>;

/** What every step gets for one run. */
interface PurgeRun {
  readonly storage: Storage;
  /** The time of the run: every cutoff is measured back from it. */
  readonly at: number;
  readonly retention: Retention;
  /** Rows per statement. */
  readonly batchSize: number;
  /** Aborted when the server shuts down: steps stop between batches. */
  readonly signal: AbortSignal;
}

/**
 * One kind of thing to purge. The built-in kinds are steps; other modules can hand in their own
 * (e.g. retired signing keys and HMAC keys, which are purged by their owner, not here).
 */
export interface PurgeStep {
  /** Deletes in batches of at most `run.batchSize` and reports what it deleted, per kind. */
  run(run: PurgeRun): Promise<PurgeCounts>;
}

export interface PurgeOptions {
  /** Rows per statement (default 500). */
  readonly batchSize?: number;
  /** Run after the built-in steps, in order. */
  readonly extraSteps?: readonly PurgeStep[];
  /** Stops the purge between two batches (what was deleted so far is reported). */
  readonly signal?: AbortSignal;
}

const DEFAULT_PURGE_BATCH_SIZE = 500;

/** Repeats one batch until a batch finds fewer rows than it may take, or the run is stopped. A
 * full batch that deleted nothing (another instance purging the same rows) also stops it: the next
 * run picks up the rest, and no disagreement between the read and the delete can spin this loop.
 * Exported for extra steps. */
async function inBatches(run: PurgeRun, batch: (limit: number) => Promise<BatchResult>): Promise<number> {
  let deleted = 0;
  while (!run.signal.aborted) {
    const result = await batch(run.batchSize);
    deleted += result.deleted;
    if (result.found < run.batchSize || result.deleted === 0) break;
  }
  return deleted;
}

const challenges: PurgeStep = {
  async run(run) {
    const cutoff = run.at - run.retention.graceMs;
    return { challenges: await inBatches(run, (limit) => clearSpentSecrets(run.storage.db, cutoff, limit)) };
  },
};

const refreshTokens: PurgeStep = {
  async run(run) {
    const cutoff = run.at - run.retention.graceMs;
    return { refreshTokens: await inBatches(run, (limit) => deleteDeadRefreshFamilies(run.storage.db, cutoff, limit)) };
  },
};

const sessions: PurgeStep = {
  async run(run) {
    const cutoff = run.at - run.retention.auditMs;
    // One short transaction per batch; a session's refresh-token families go with it (cascade).
    const batch = (limit: number): Promise<BatchResult> =>
      run.storage.db.$transaction(async (tx) => {
        const ids = await findSessionsEndedBefore(tx, cutoff, limit);
        return { found: ids.length, deleted: await deleteSessionsEndedBefore(tx, ids, cutoff) };
      });
    return { sessions: await inBatches(run, batch) };
  },
};

const flows: PurgeStep = {
  async run(run) {
    const cutoff = run.at - run.retention.auditMs;
    return { flows: await inBatches(run, (limit) => deleteFlowsExpiredBefore(run.storage.db, cutoff, limit)) };
  },
};

const credentials: PurgeStep = {
  async run(run) {
    const cutoff = run.at - run.retention.auditMs;
    return { credentials: await inBatches(run, (limit) => deleteCredentialsRevokedBefore(run.storage.db, cutoff, limit)) };
  },
};

const standIns: PurgeStep = {
  async run(run) {
    return { standIns: await inBatches(run, (limit) => deleteStandInsSettledBefore(run.storage.db, run.at, limit)) };
  },
};

const lockouts: PurgeStep = {
  async run(run) {
    const cutoff = run.at - run.retention.graceMs;
    return { lockouts: await inBatches(run, (limit) => deletePasscodeLocksEndedBefore(run.storage.db, run.storage.provider, cutoff, limit)) };
  },
};

const deliveries: PurgeStep = {
  async run(run) {
    const cutoff = run.at - run.retention.graceMs;
    return { deliveries: await inBatches(run, (limit) => deleteOutboxMessagesBefore(run.storage.db, cutoff, limit)) };
  },
};

/** Dead refresh-token families before sessions (fewer left to delete with them); code hashes
 * before flows (so spent codes are counted as such, not hidden in a flow's delete). */
const BUILT_IN_STEPS: readonly PurgeStep[] = [challenges, refreshTokens, sessions, flows, credentials, standIns, lockouts, deliveries];

/** Deletes everything that expired under `retention` as of `at`; returns the counts per kind. */
export async function purge(storage: Storage, at: number, retention: Retention, options: PurgeOptions = {}): Promise<PurgeCounts> {
  const batchSize = options.batchSize ?? DEFAULT_PURGE_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`purge batch size must be a positive integer, got ${batchSize}`);
  const run: PurgeRun = { storage, at, retention, batchSize, signal: options.signal ?? new AbortController().signal };
  const counts: Record<string, number> = {};
  for (const step of [...BUILT_IN_STEPS, ...(options.extraSteps ?? [])]) {
    for (const [kind, count] of Object.entries(await step.run(run))) {
      counts[kind] = (counts[kind] ?? 0) + count;
    }
  }
  return counts;
}
