// Argon2id's cost parameters and their defaults, with the configuration that reads them (defaults
// live with the config, STYLE §2.6; a ground-floor module, so config needs nothing of the
// credentials), apart from the binding: reading them never loads the native module.

export interface Argon2Params {
  /** KiB of memory per hash. */
  readonly memoryKib: number;
  /** Passes over the memory. */
  readonly timeCost: number;
  readonly parallelism: number;
}

/**
 * Chosen from a measurement on this project's reference machine (2 vCPUs, `npm run bench:argon2`,
 * median of 15 verifies): 7.6 ms at OWASP's minimum (19 MiB, 2 passes), 23 ms at 32 MiB and 3
 * passes, 51 ms at 64 MiB and 3 passes. 32 MiB and 3 passes is above the minimum in both memory and
 * passes, keeps a login's hashing near 20 ms, and at most 4 × 32 MiB are in use at once (libuv's
 * four threads).
 */
export const DEFAULT_ARGON2_PARAMS: Argon2Params = { memoryKib: 32_768, timeCost: 3, parallelism: 1 };

/** libuv's thread pool when UV_THREADPOOL_SIZE is not set. */
export const LIBUV_DEFAULT_THREADS = 4;

/**
 * How many Argon2 operations run at once by default: one core is left to the event loop (HTTP,
 * SQLite, the signing jose hands to the pool), and at least one of libuv's threads to signing, which
 * waits in the same pool. On a 2-core machine, one at a time.
 */
export const defaultArgon2Concurrency = (cores: number, threadPool: number): number => Math.max(1, Math.min(cores - 1, threadPool - 1));
