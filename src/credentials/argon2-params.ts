// Argon2id's cost parameters, apart from the binding: configuration reads the defaults without
// loading the native module.

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
