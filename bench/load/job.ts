// The contract between the bench's orchestrator and its load process (bench/load/worker.ts): the
// orchestrator writes a LoadJob as JSON to a file, the worker prints one LoadResult as JSON on
// stdout. Both the real server and the ideal endpoint are driven with the same job shape.

export const SCENARIOS = ['client-token', 'silent-auth', 'refresh', 'otp-login', 'otp-login-outbox', 'magic-link-login', 'password-flood'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
/** Not a throughput measurement: the latency of client tokens and silent authentication, idle and
 * during a flood of password logins (bench/flood.ts); its load process sends the flood itself. */
export const FLOOD_SCENARIO = 'password-flood' satisfies ScenarioName;

/** What one connection works with: its own user, and for silent-auth/refresh its own session or
 * refresh-token family (concurrent steps on one session or family would serialise on it). */
export interface Principal {
  readonly userId: string;
  readonly email: string;
  readonly sessionId?: string;
  readonly refreshToken?: string;
}

/** What the load needs from a prepared server, real or ideal. */
export interface Prepared {
  readonly clientToken: string;
  readonly client: { readonly id: string; readonly secret: string };
  readonly redirectUri: string;
  readonly principals: readonly Principal[];
}

export interface LoadJob extends Prepared {
  readonly scenario: ScenarioName;
  /** http://127.0.0.1:PORT of the one server this load process drives. */
  readonly url: string;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly timeoutSeconds: number;
}

export interface LoadResult {
  /** Completed responses, all statuses. */
  readonly requests: number;
  readonly durationSeconds: number;
  /** Completed scenario sequences: a whole login (otp, magic link), else one 2xx answer. */
  readonly sequences: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly mean: number };
  /** Count of each HTTP status seen. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Responses whose status was not the one that step expects (200, or 302 for the link GET). */
  readonly unexpected: number;
  /** The first few unexpected answers, to show in the report what went wrong. */
  readonly samples: readonly string[];
  readonly errors: number;
  readonly timeouts: number;
  /** Dev-outbox reads that found no new message yet and were repeated. */
  readonly stalePolls: number;
  /** CPU the load process used while it ran (it shares the machine with the server). */
  readonly cpuSeconds: number;
}

/** Sum of the load processes that drove several server instances at once. Latency percentiles
 * cannot be added: p50 is weighted by requests, p99 is the worst of the processes. */
export function mergeResults(results: readonly LoadResult[]): LoadResult {
  const [first, ...rest] = results;
  if (first === undefined) throw new Error('no load results to merge');
  if (rest.length === 0) return first;
  const sum = (pick: (result: LoadResult) => number) => results.reduce((total, result) => total + pick(result), 0);
  const requests = sum((result) => result.requests);
  const weighted = (pick: (result: LoadResult) => number) => (requests === 0 ? 0 : sum((result) => pick(result) * result.requests) / requests);
  const statuses: Record<string, number> = {};
  for (const result of results) for (const [status, count] of Object.entries(result.statuses)) statuses[status] = (statuses[status] ?? 0) + count;
  return {
    requests,
    durationSeconds: Math.max(...results.map((result) => result.durationSeconds)),
    sequences: sum((result) => result.sequences),
    latencyMs: { p50: weighted((result) => result.latencyMs.p50), p99: Math.max(...results.map((result) => result.latencyMs.p99)), mean: weighted((result) => result.latencyMs.mean) },
    statuses,
    unexpected: sum((result) => result.unexpected),
    samples: [...new Set(results.flatMap((result) => result.samples))].slice(0, 3),
    errors: sum((result) => result.errors),
    timeouts: sum((result) => result.timeouts),
    stalePolls: sum((result) => result.stalePolls),
    cpuSeconds: sum((result) => result.cpuSeconds),
  };
}
