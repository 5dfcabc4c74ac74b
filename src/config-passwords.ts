import { availableParallelism } from 'node:os';
import { type Argon2Params, DEFAULT_ARGON2_PARAMS, defaultArgon2Concurrency, LIBUV_DEFAULT_THREADS } from './config-argon2.js';
import { type RateLimit, rateLimit, type ValueReader } from './config-values.js';

// The password settings of loadConfig (src/config.ts): what one Argon2id hash costs, and how much
// of that work may run and wait at once (src/credentials/argon2-gate.ts, decoy-budget.ts).

export interface PasswordWork {
  /** Password operations at once; the others wait for a slot. */
  readonly concurrency: number;
  /** Requests waiting for a slot, all apps together; past this they answer 503. */
  readonly queueMax: number;
  /** Decoy comparisons (logins naming nobody, or a user without a password) per app; past it, a
   * timer as long as a comparison stands in for the work (src/credentials/decoy-budget.ts). */
  readonly decoysPerApp: RateLimit;
}

export function readPasswordSettings(read: ValueReader, problems: string[]): { passwordHashing: Argon2Params; passwordWork: PasswordWork } {
  // libuv reads UV_THREADPOOL_SIZE itself when its pool starts; read here only to size the gate.
  const threadPool = read.integer('UV_THREADPOOL_SIZE', LIBUV_DEFAULT_THREADS, 1, 1024);
  const concurrency = read.integer('ARGON2_CONCURRENCY', defaultArgon2Concurrency(availableParallelism(), threadPool), 1, 1024);
  if (concurrency >= threadPool) {
    problems.push(`ARGON2_CONCURRENCY: must be below UV_THREADPOOL_SIZE (${threadPool}), so token signing always finds a thread; raise UV_THREADPOOL_SIZE too`);
  }
  return {
    // Defaults measured on a 2-vCPU machine (src/config-argon2.ts); never below
    // OWASP's minimum for Argon2id (19 MiB, 2 passes).
    passwordHashing: {
      memoryKib: read.integer('ARGON2_MEMORY_KIB', DEFAULT_ARGON2_PARAMS.memoryKib, 19_456, 1_048_576),
      timeCost: read.integer('ARGON2_PASSES', DEFAULT_ARGON2_PARAMS.timeCost, 2, 20),
      parallelism: DEFAULT_ARGON2_PARAMS.parallelism,
    },
    passwordWork: { concurrency, queueMax: read.integer('ARGON2_QUEUE_MAX', 128, 0, 100_000), decoysPerApp: rateLimit(read, 'ARGON2_DECOYS_PER_APP', 600, 60) },
  };
}
