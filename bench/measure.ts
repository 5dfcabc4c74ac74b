import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from './database.js';
import { type LoadJob, type LoadResult, mergeResults, type Prepared, type ScenarioName } from './load/job.js';
import { freePort, runChild, sampleUsage, spawnChild, type Usage, waitForHealth } from './processes.js';
import { type Alg, startRealServers } from './real-server.js';
import { needsSessions, prepareReal, REDIRECT_URI } from './setup.js';

// One measurement: a fresh database, fresh server process(es), the scenario's fixtures, then the
// load for the run's duration while the servers' memory is sampled; everything is stopped and
// dropped after, so every scenario starts from the same empty state and its own peak RSS.

export interface RunContext {
  readonly root: string;
  readonly tmp: string;
  readonly engine: Engine;
  readonly durationSeconds: number;
  readonly instances: number;
  /** Where --profile puts the real server's CPU profiles; null: no profiling. */
  readonly profileRoot: string | null;
  /** Extra environment of the real server (--server-env). */
  readonly serverEnv: Readonly<Record<string, string>>;
}

export interface Measured {
  readonly load: LoadResult;
  readonly usage: Usage;
}

/** How long a load process may run past its duration (autocannon's own request timeout is 10 s). */
const LOAD_GRACE_MS = 60_000;
export const REQUEST_TIMEOUT_SECONDS = 10;

/** One load process (bench/load/worker.ts) driving one server for the job's duration. */
export async function runLoad(run: Pick<RunContext, 'root' | 'tmp'>, job: Omit<LoadJob, 'timeoutSeconds'>, file: string): Promise<LoadResult> {
  const path = join(run.tmp, `${file}.job.json`);
  writeFileSync(path, JSON.stringify({ ...job, timeoutSeconds: REQUEST_TIMEOUT_SECONDS } satisfies LoadJob));
  const stdout = await runChild(process.execPath, ['--import', 'tsx', 'bench/load/worker.ts', path], { cwd: run.root, timeoutMs: job.durationSeconds * 1000 + LOAD_GRACE_MS });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as LoadResult;
}

/** Splits the connections (and their principals) over the instances and sums what they measured. */
async function drive(run: RunContext, scenario: ScenarioName, urls: readonly string[], prepared: Prepared, connections: number, label: string): Promise<LoadResult> {
  let offset = 0;
  const results = await Promise.all(
    urls.map(async (url, index) => {
      const share = Math.floor(connections / urls.length) + (index < connections % urls.length ? 1 : 0);
      const principals = prepared.principals.slice(offset, offset + share);
      offset += share;
      return runLoad(run, { ...prepared, principals, scenario, url, connections: share, durationSeconds: run.durationSeconds }, `${label}-${index}`);
    }),
  );
  return mergeResults(results);
}

/** The load, with the servers' memory and CPU sampled while it runs. */
async function measured(run: RunContext, pids: readonly number[], load: () => Promise<LoadResult>): Promise<Measured> {
  const sampler = sampleUsage(pids, run.engine.name === 'postgresql' ? 'postgres' : null);
  const result = await load().catch((error: unknown) => {
    sampler.stop();
    throw error;
  });
  return { load: result, usage: sampler.stop() };
}

export async function measureReal(run: RunContext, scenario: ScenarioName, alg: Alg, connections: number): Promise<Measured> {
  const label = `${alg}-${scenario}-real`.toLowerCase();
  const database = await run.engine.fresh(label);
  const profileDir = run.profileRoot === null ? undefined : join(run.profileRoot, `${alg}-${scenario}`);
  if (profileDir !== undefined) {
    // Only this run's profiles in the folder.
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir, { recursive: true });
  }
  try {
    const servers = await startRealServers({ root: run.root, databaseUrl: database.url, alg, instances: run.instances, env: run.serverEnv, ...(profileDir === undefined ? {} : { profileDir }) });
    try {
      const [first = ''] = servers.urls;
      const prepared = await prepareReal(first, servers.adminToken, scenario, connections);
      return await measured(run, servers.pids, () => drive(run, scenario, servers.urls, prepared, connections, label));
    } finally {
      await servers.stop();
    }
  } finally {
    await database.drop();
  }
}

/** The ideal endpoint: its SQL on the plain driver, or through Prisma as the server sends it
 * (`prisma`, the floor), or with one Prisma statement per request (`prisma-one`). */
export type IdealDriver = 'raw' | 'prisma' | 'prisma-one';
const DRIVER_LABELS: Readonly<Record<IdealDriver, string>> = { raw: 'ideal', prisma: 'floor', 'prisma-one': 'floor1' };

export async function measureIdeal(run: RunContext, scenario: ScenarioName, alg: Alg, connections: number, driver: IdealDriver = 'raw'): Promise<Measured> {
  const label = `${alg}-${scenario}-${DRIVER_LABELS[driver]}`.toLowerCase();
  const database = await run.engine.fresh(label);
  try {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const args = ['--import', 'tsx', 'bench/ideal/server.ts', '--port', String(port), '--alg', alg, '--database', database.url, '--redirect', REDIRECT_URI, '--driver', driver];
    const server = spawnChild(process.execPath, args, { cwd: run.root });
    try {
      await waitForHealth(url, server);
      const response = await fetch(`${url}/bench/seed`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ count: connections, sessions: needsSessions(scenario) }),
      });
      if (response.status !== 200) throw new Error(`ideal seed answered ${response.status}: ${await response.text()}`);
      const prepared = (await response.json()) as Prepared;
      return await measured(run, [server.pid], () => drive(run, scenario, [url], prepared, connections, label));
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${server.output()}`);
    } finally {
      await server.stop();
    }
  } finally {
    await database.drop();
  }
}
