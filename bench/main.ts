import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { postgresEngine, sqliteEngine } from './database.js';
import { FLOOD_CONNECTIONS, floodProblems, measureFlood, renderFlood } from './flood.js';
import { FLOOD_SCENARIO } from './load/job.js';
import { type Measured, measureIdeal, measureReal, type RunContext } from './measure.js';
import { isLoginScenario, type Options, parseOptions } from './options.js';
import { runChild } from './processes.js';
import { otherCpuShare, renderNotes, renderReport, renderTable, rowProblems, type RunMeta, type ScenarioRow } from './report.js';

// `npm run bench`: builds the server, then for each algorithm and scenario measures the real
// server and the ideal endpoint right after it, prints the table and writes it to
// bench/results/<engine>-<alg>.md. `--smoke` (CI) runs every scenario briefly and exits non-zero
// when any answered an unexpected status, failed a connection, or completed nothing.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

async function gitState(): Promise<string> {
  try {
    const commit = (await runChild('git', ['rev-parse', '--short', 'HEAD'], { cwd: root })).trim();
    const dirty = (await runChild('git', ['status', '--porcelain', '--', 'src', 'machines', 'prisma'], { cwd: root })).trim() !== '';
    return `${commit}${dirty ? ' with uncommitted changes in src/, machines/ or prisma/' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

const attempt = <T>(work: () => Promise<T>): Promise<T | Error> => work().catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));

function oneLine(row: ScenarioRow): string {
  const side = (measured: Measured | Error | null) => {
    if (measured === null) return '-';
    if (measured instanceof Error) return `failed: ${measured.message.split('\n')[0]}`;
    const { load } = measured;
    const rate = (count: number) => Math.round(count / Math.max(load.durationSeconds, 1e-9));
    const flags = rowProblems({ ...row, real: measured, floor: null, floorOne: null, ideal: null }).length > 0 ? ' ⚠' : '';
    return `${rate(load.requests)} req/s${row.login ? `, ${rate(load.sequences)} logins/s` : ''}, p99 ${load.latencyMs.p99.toFixed(1)} ms, other CPU ${Math.round(100 * otherCpuShare(measured))}%${flags}`;
  };
  return `  keystate ${side(row.real)} | prisma floor ${side(row.floor)} | one-statement floor ${side(row.floorOne)} | ideal ${side(row.ideal)}`;
}

async function main(options: Options): Promise<boolean> {
  const started = Date.now();
  if (options.build) {
    console.log('npm run build');
    await runChild('npm', ['run', 'build', '--silent'], { cwd: root });
  }
  const tmp = mkdtempSync(join(tmpdir(), 'keystate-bench-'));
  const engine = options.postgresUrl === null ? sqliteEngine(tmp) : postgresEngine(options.postgresUrl);
  const engineLabel = engine.name + (options.instances > 1 ? `-${options.instances}-instances` : '');
  const profileRoot = options.profile ? join(root, 'bench', 'profiles') : null;
  const run: RunContext = { root, tmp, engine, durationSeconds: options.durationSeconds, instances: options.instances, profileRoot, serverEnv: options.serverEnv };
  let clean = true;
  try {
    for (const alg of options.algs) {
      const algStarted = Date.now();
      const commit = await gitState();
      const rows: ScenarioRow[] = [];
      const sections: string[] = [];
      for (const scenario of options.scenarios) {
        if (scenario === FLOOD_SCENARIO) {
          console.log(
            `[${engineLabel} ${alg}] ${scenario}, ${FLOOD_CONNECTIONS} connections of password logins, probes of 1 connection, ${options.durationSeconds} s idle and ${options.durationSeconds} s under the flood`,
          );
          const flood = await attempt(() => measureFlood(run, alg));
          sections.push(...renderFlood(flood), '');
          if (floodProblems(flood).length > 0) clean = false;
          continue;
        }
        const connections = options.connectionsOf(scenario);
        console.log(`[${engineLabel} ${alg}] ${scenario}, ${connections} connections, ${options.durationSeconds} s each`);
        const real = await attempt(() => measureReal(run, scenario, alg, connections));
        const floor = options.floor ? await attempt(() => measureIdeal(run, scenario, alg, connections, 'prisma')) : null;
        const floorOne = options.floor ? await attempt(() => measureIdeal(run, scenario, alg, connections, 'prisma-one')) : null;
        const ideal = options.ideal ? await attempt(() => measureIdeal(run, scenario, alg, connections)) : null;
        const row: ScenarioRow = { scenario, connections, login: isLoginScenario(scenario), real, floor, floorOne, ideal };
        console.log(oneLine(row));
        for (const failure of [real, floor, floorOne, ideal]) {
          if (failure instanceof Error)
            console.log(
              failure.message
                .split('\n')
                .slice(-30)
                .map((line) => `    ${line}`)
                .join('\n'),
            );
        }
        rows.push(row);
      }
      const meta: RunMeta = {
        title: `Keystate bench: ${engineLabel}, ${alg}`,
        lines: [
          `date: ${new Date(algStarted).toISOString()}; wall time ${Math.round((Date.now() - algStarted) / 1000)} s`,
          `commit: ${commit}`,
          `machine: ${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`,
          `engine: ${engineLabel}; ${options.instances} server process${options.instances > 1 ? 'es (connections split evenly; p50 weighted, p99 the worst of the load processes)' : ''}; ideal endpoint: one process`,
          `options: ${options.summary}; ${options.durationSeconds} s per measurement; load: autocannon, one process per server instance, 127.0.0.1`,
        ],
      };
      if (rows.length > 0) console.log(`\n${renderTable(rows)}\n`);
      for (const note of renderNotes(rows)) console.log(note);
      if (sections.length > 0) console.log(`\n${sections.join('\n')}`);
      if (rows.some((row) => rowProblems(row).length > 0)) clean = false;
      if (!options.smoke) {
        const file = join(root, 'bench', 'results', `${engineLabel}-${alg}.md`);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, renderReport(meta, rows, sections));
        console.log(`written: ${relative(root, file)}`);
      }
    }
    if (profileRoot !== null) {
      console.log('\nCPU profiles of the real server (Chrome DevTools > Performance, or `npx tsx bench/profile-top.ts DIR/*.cpuprofile`):');
      for (const folder of readdirSync(profileRoot))
        console.log(`  ${relative(root, join(profileRoot, folder))}/: ${readdirSync(join(profileRoot, folder)).filter((name) => name.endsWith('.cpuprofile')).length} .cpuprofile`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`\nbench done in ${Math.round((Date.now() - started) / 1000)} s${clean ? '' : ' (some scenarios flagged ⚠)'}`);
  return clean;
}

Promise.resolve()
  .then(async () => {
    const options = parseOptions(process.argv.slice(2), process.env);
    // Only the smoke turns a flagged scenario into a failure; a full run reports it in the table.
    if (!(await main(options)) && options.smoke) process.exitCode = 1;
  })
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
