import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadResult, Principal } from './load/job.js';
import { REQUEST_TIMEOUT_SECONDS, type RunContext, runLoad } from './measure.js';
import { sampleUsage } from './processes.js';
import { type Alg, startRealServers } from './real-server.js';
import { problemsOf } from './report.js';
import { prepareReal } from './setup.js';

// The password-flood scenario (issue 15): does a flood of password logins slow down what must stay
// fast? Two probes of one connection each, a client access token and a silent authentication of
// the probe's own session, are measured idle, then again while FLOOD_CONNECTIONS password logins
// for random usernames are kept in flight with the app's one client token (what an attacker
// holding one app's credentials can do). The figure is each probe's p99 under the flood over its
// idle p99, in the same run on the same server; the target is at most P99_RATIO_TARGET. One
// server instance whatever --instances says (the flood is about one process's thread pool).

export const FLOOD_CONNECTIONS = 100;
export const P99_RATIO_TARGET = 3;
const PROBES = ['client-token', 'silent-auth'] as const;
type Probe = (typeof PROBES)[number];
/** The flood starts this long before the probes (and stops as long after), so they measure it in
 * full swing. */
const FLOOD_MARGIN_SECONDS = 1;

export interface FloodMeasured {
  readonly idle: Readonly<Record<Probe, LoadResult>>;
  readonly flooded: Readonly<Record<Probe, LoadResult>>;
  /** The flood's own answers (400 for nobody, 503 turned away while hashing is saturated). */
  readonly flood: LoadResult;
  /** Share of all cores used by neither the server nor the load processes while the flood ran
   * (other work on the machine: above ~10% the figures are not reliable). */
  readonly otherCpu: number;
}

export async function measureFlood(run: RunContext, alg: Alg): Promise<FloodMeasured> {
  const database = await run.engine.fresh(`${alg}-password-flood`.toLowerCase());
  try {
    const servers = await startRealServers({ root: run.root, databaseUrl: database.url, alg, instances: 1, env: run.serverEnv });
    try {
      const [url = ''] = servers.urls;
      // One user with a session: the silent-authentication probe's.
      const prepared = await prepareReal(url, servers.adminToken, 'silent-auth', 1);
      const probe = async (label: string): Promise<Record<Probe, LoadResult>> => {
        const [token, silent] = await Promise.all(
          PROBES.map((scenario) => runLoad(run, { ...prepared, scenario, url, connections: 1, durationSeconds: run.durationSeconds }, `${alg}-${label}-${scenario}`)),
        );
        if (token === undefined || silent === undefined) throw new Error('a probe measured nothing');
        return { 'client-token': token, 'silent-auth': silent };
      };
      const idle = await probe('idle');
      const attackers: Principal[] = Array.from({ length: FLOOD_CONNECTIONS }, (_, index) => ({ userId: `attacker-${index}`, email: `attacker-${index}@example.com` }));
      const floodJob = {
        ...prepared,
        principals: attackers,
        scenario: 'password-flood' as const,
        url,
        connections: FLOOD_CONNECTIONS,
        durationSeconds: run.durationSeconds + 2 * FLOOD_MARGIN_SECONDS,
      };
      const usage = sampleUsage(servers.pids, null);
      const flood = runLoad(run, floodJob, `${alg}-password-flood`);
      // Sleeping here is the bench's own pacing (its load processes start the same way), not a test.
      await sleep(FLOOD_MARGIN_SECONDS * 1000);
      const flooded = await probe('flooded');
      const floodLoad = await flood;
      const used = usage.stop();
      const loads = floodLoad.cpuSeconds + PROBES.reduce((sum, name) => sum + flooded[name].cpuSeconds, 0);
      const otherCpu = Math.max(0, used.machineCpuSeconds - used.serverCpuSeconds - loads) / (used.wallSeconds * availableParallelism());
      return { idle, flooded, flood: floodLoad, otherCpu };
    } finally {
      await servers.stop();
    }
  } finally {
    await database.drop();
  }
}

const ms = (value: number) => (value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : String(Math.round(value)));
export const p99Ratio = (measured: FloodMeasured, probe: Probe): number => measured.flooded[probe].latencyMs.p99 / Math.max(measured.idle[probe].latencyMs.p99, 1e-9);
const statuses = (load: LoadResult) =>
  Object.entries(load.statuses)
    .map(([status, count]) => `${status} ×${count.toLocaleString('en-US')}`)
    .join(', ');

/** What flags the scenario: a probe answered an unexpected status or failed to connect; the flood
 * answered other than 400 or 503, or lost connections otherwise than by waiting past autocannon's
 * timeout (its logins wait in the Argon2 queue: on a slow machine, longer than that). */
export function floodProblems(measured: FloodMeasured | Error): string[] {
  if (measured instanceof Error) return [`failed: ${measured.message.split('\n')[0] ?? ''}`];
  const { flood } = measured;
  return [
    ...PROBES.flatMap((probe) => [
      ...problemsOf(measured.idle[probe]).map((problem) => `${probe} idle: ${problem}`),
      ...problemsOf(measured.flooded[probe]).map((problem) => `${probe} under the flood: ${problem}`),
    ]),
    ...problemsOf({ ...flood, errors: flood.errors - flood.timeouts }).map((problem) => `the flood: ${problem}`),
  ];
}

/** The scenario's own table (its shape is not the throughput table's), with its notes. */
export function renderFlood(measured: FloodMeasured | Error): string[] {
  const heading = `### password-flood: ${FLOOD_CONNECTIONS} password logins for random usernames in flight; probes of 1 connection each`;
  if (measured instanceof Error) return [heading, '', `failed: ${measured.message.split('\n')[0] ?? ''}`];
  const rows = PROBES.map((probe) => {
    const { idle, flooded } = { idle: measured.idle[probe], flooded: measured.flooded[probe] };
    const ratio = p99Ratio(measured, probe);
    return `| ${probe} | ${ms(idle.latencyMs.p50)} / ${ms(idle.latencyMs.p99)} | ${ms(flooded.latencyMs.p50)} / ${ms(flooded.latencyMs.p99)} | ${ratio.toFixed(1)}${ratio > P99_RATIO_TARGET ? ' (above the target)' : ''} | ${flooded.requests.toLocaleString('en-US')} in ${flooded.durationSeconds} s |`;
  });
  const { flood } = measured;
  return [
    heading,
    '',
    `| probe | idle p50 / p99 ms | under the flood p50 / p99 ms | p99 ratio (target ≤ ${P99_RATIO_TARGET}) | requests under the flood |`,
    '|---|---:|---:|---:|---:|',
    ...rows,
    '',
    `The flood: other CPU ${Math.round(100 * measured.otherCpu)}% while it ran; ${Math.round(flood.requests / Math.max(flood.durationSeconds, 1e-9)).toLocaleString('en-US')} answers/s (${statuses(flood)}), p50 / p99 ${ms(flood.latencyMs.p50)} / ${ms(flood.latencyMs.p99)} ms, ${flood.errors - flood.timeouts} connection errors, ${flood.timeouts} timeouts (logins that waited in the queue longer than the load's ${REQUEST_TIMEOUT_SECONDS} s timeout).`,
    ...floodProblems(measured).map((problem) => `- ⚠ password-flood, ${problem}`),
  ];
}
