import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { createFlow, type Tally } from './flows.js';
import type { LoadJob, LoadResult } from './job.js';

// The load process: `node --import tsx bench/load/worker.ts JOB.json` runs autocannon against
// one server for the job's duration and prints a LoadResult as one JSON line on stdout. It runs in
// its own process so the load generator never shares an event loop with the orchestrator.

const jobFile = process.argv[2];
if (jobFile === undefined) throw new Error('usage: worker.ts JOB.json');
const job = JSON.parse(readFileSync(jobFile, 'utf8')) as LoadJob;
if (job.principals.length < job.connections) throw new Error(`${job.principals.length} principals for ${job.connections} connections`);

const tally: Tally = { sequences: 0, unexpected: 0, stalePolls: 0, statuses: {}, samples: [], latencies: [] };

/** Percentiles of our own sub-millisecond latencies (autocannon's histogram keeps whole ms). */
function latencySummary(values: number[]): LoadResult['latencyMs'] {
  const sorted = Float64Array.from(values).sort();
  const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), mean: sorted.reduce((total, value) => total + value, 0) / Math.max(1, sorted.length) };
}
let nextSlot = 0;
const cpuAtStart = process.cpuUsage();

autocannon(
  {
    url: job.url,
    connections: job.connections,
    duration: job.durationSeconds,
    timeout: job.timeoutSeconds,
    // Replaced on every connection by setupClient; autocannon wants a valid list up front.
    requests: [{ method: 'GET', path: '/health' }],
    setupClient(client) {
      // Connections are created one by one: each takes the next principal, so no two share one.
      const flow = createFlow(job, job.principals[nextSlot++] as LoadJob['principals'][number], tally);
      client.setRequests([
        {
          setupRequest(request) {
            const next = flow.request();
            const headers: Record<string, string> = {};
            if (next.bearer) headers.authorization = `Bearer ${job.clientToken}`;
            if (next.body !== undefined) headers['content-type'] = next.form === true ? 'application/x-www-form-urlencoded' : 'application/json';
            return { ...request, method: next.method, path: next.path, headers, body: next.body ?? '' };
          },
          onResponse: (status, body, _context, headers) => flow.response(status, body, headers),
        },
      ]);
    },
  },
  (error, result) => {
    if (error !== null) throw error;
    const output: LoadResult = {
      requests: result.requests.total,
      durationSeconds: result.duration,
      sequences: tally.sequences,
      latencyMs: latencySummary(tally.latencies),
      statuses: tally.statuses,
      unexpected: tally.unexpected,
      samples: tally.samples,
      errors: result.errors,
      timeouts: result.timeouts,
      stalePolls: tally.stalePolls,
      cpuSeconds: ((cpu) => (cpu.user + cpu.system) / 1e6)(process.cpuUsage(cpuAtStart)),
    };
    process.stdout.write(`${JSON.stringify(output)}\n`);
  },
);
