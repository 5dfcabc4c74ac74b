import { availableParallelism } from 'node:os';
import type { LoadResult, ScenarioName } from './load/job.js';
import type { Measured } from './measure.js';

// The table of a run (printed, and written to bench/results/<engine>-<alg>.md) and the problems
// that flag a scenario: any answer with a status the step did not expect, any connection error or
// timeout, or no completed sequence at all.

export interface ScenarioRow {
  readonly scenario: ScenarioName;
  readonly connections: number;
  /** Multi-request scenarios count logins (completed sequences) besides requests. */
  readonly login: boolean;
  readonly real: Measured | Error;
  /** The ideal's SQL through Prisma, sent as the server sends it; null when the run was told
   * --no-floor (or --smoke). */
  readonly floor: Measured | Error | null;
  /** The ideal with one Prisma statement per request (the rest on the plain driver); null alike. */
  readonly floorOne: Measured | Error | null;
  /** Null when the run was told --no-ideal. */
  readonly ideal: Measured | Error | null;
}

export interface RunMeta {
  readonly title: string;
  readonly lines: readonly string[];
}

const perSecond = (load: LoadResult, count: number) => (load.durationSeconds > 0 ? count / load.durationSeconds : 0);
const rps = (load: LoadResult) => perSecond(load, load.requests);
const sps = (load: LoadResult) => perSecond(load, load.sequences);
const int = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number) => (value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : String(Math.round(value)));
const firstLine = (error: Error) => error.message.split('\n')[0] ?? '';

export function problemsOf(load: LoadResult): string[] {
  const problems: string[] = [];
  if (load.unexpected > 0) {
    const statuses = Object.entries(load.statuses)
      .map(([status, count]) => `${status} ×${count}`)
      .join(', ');
    problems.push(`${load.unexpected} unexpected answers (all statuses: ${statuses}); e.g. ${load.samples.join(' | ')}`);
  }
  if (load.errors > 0) problems.push(`${load.errors} connection errors (of which ${load.timeouts} timeouts)`);
  if (load.sequences === 0) problems.push('no completed request or login');
  return problems;
}

/** Every problem of the row, each prefixed with the side it was seen on. */
export function rowProblems(row: ScenarioRow): string[] {
  const side = (name: string, measured: Measured | Error | null): string[] => {
    if (measured === null) return [];
    if (measured instanceof Error) return [`${name}: failed: ${firstLine(measured)}`];
    return problemsOf(measured.load).map((problem) => `${name}: ${problem}`);
  };
  return [...side('keystate', row.real), ...side('prisma floor', row.floor), ...side('one-statement floor', row.floorOne), ...side('ideal', row.ideal)];
}

/** Shares of all cores while the load ran: the database server's (PostgreSQL), and what neither
 * it nor the server(s) nor the load used (other work on the machine). */
export function cpuShares({ load, usage }: Measured): { database: number; other: number } {
  const capacity = usage.wallSeconds * availableParallelism();
  if (capacity <= 0) return { database: 0, other: 0 };
  const database = usage.databaseCpuSeconds ?? 0;
  const other = usage.machineCpuSeconds - usage.serverCpuSeconds - load.cpuSeconds - database;
  return { database: database / capacity, other: Math.max(0, other) / capacity };
}
export const otherCpuShare = (measured: Measured): number => cpuShares(measured).other;
const percent = (share: number) => `${Math.round(100 * share)}%`;

function cells(measured: Measured | Error | null, login: boolean): string[] {
  if (measured === null) return ['', '', '', '', '', ''];
  if (measured instanceof Error) return ['failed', '', '', '', '', ''];
  const { load, usage } = measured;
  const bad = load.unexpected + load.errors;
  return [
    int(rps(load)),
    login ? int(sps(load)) : '',
    `${ms(load.latencyMs.p50)} / ${ms(load.latencyMs.p99)}`,
    bad === 0 ? '0' : `**${load.unexpected} / ${load.errors}**`,
    `${int(usage.loadPeakMb)} / ${int(usage.hwmMb)}`,
    ((shares) => (measured.usage.databaseCpuSeconds !== null ? `db ${percent(shares.database)}, ${percent(shares.other)}` : percent(shares.other)))(cpuShares(measured)),
  ];
}

/** Keystate's rate over a reference's: logins/s for login scenarios, req/s otherwise. */
function ratio(row: ScenarioRow, reference: Measured | Error | null): string {
  if (reference === null || reference instanceof Error || row.real instanceof Error) return '';
  const pick = row.login ? sps : rps;
  const base = pick(reference.load);
  return base === 0 ? '' : (pick(row.real.load) / base).toFixed(3);
}

export function renderTable(rows: readonly ScenarioRow[]): string {
  const header = [
    'scenario',
    'conns',
    'req/s',
    'logins/s',
    'p50 / p99 ms',
    'non-2xx / errors',
    'RSS MB (load / HWM)',
    'other CPU',
    'floor req/s',
    'floor logins/s',
    'floor p50 / p99 ms',
    'floor non-2xx / errors',
    'floor RSS MB (load / HWM)',
    'other CPU',
    'floor1 req/s',
    'floor1 logins/s',
    'ideal req/s',
    'ideal logins/s',
    'ideal p50 / p99 ms',
    'ideal non-2xx / errors',
    'ideal RSS MB (load / HWM)',
    'other CPU',
    'ratio to floor',
    'ratio to floor1',
    'ratio to ideal',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, index) => (index < 2 ? '---' : '---:')).join('|')}|`];
  for (const row of rows) {
    const flag = rowProblems(row).length > 0 ? ' ⚠' : '';
    lines.push(
      `| ${row.scenario}${flag} | ${row.connections} | ${[...cells(row.real, row.login), ...cells(row.floor, row.login), ...cells(row.floorOne, row.login).slice(0, 2), ...cells(row.ideal, row.login), ratio(row, row.floor), ratio(row, row.floorOne), ratio(row, row.ideal)].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/** Notes under the table: the problems of each flagged row, and outbox reads that came early. */
export function renderNotes(rows: readonly ScenarioRow[]): string[] {
  const notes: string[] = [];
  for (const row of rows) {
    for (const problem of rowProblems(row)) notes.push(`- ⚠ ${row.scenario}, ${problem}`);
    for (const [name, measured] of [
      ['keystate', row.real],
      ['prisma floor', row.floor],
      ['one-statement floor', row.floorOne],
      ['ideal', row.ideal],
    ] as const) {
      if (measured !== null && !(measured instanceof Error) && measured.load.stalePolls > 0) {
        notes.push(`- ${row.scenario}, ${name}: the dev outbox was read ${measured.load.stalePolls} times before the new message was there (those reads are in req/s)`);
      }
    }
  }
  return notes;
}

/** `sections`: tables of scenarios with a shape of their own (bench/flood.ts), under the main one. */
export function renderReport(meta: RunMeta, rows: readonly ScenarioRow[], sections: readonly string[] = []): string {
  const notes = renderNotes(rows);
  return [
    `# ${meta.title}`,
    '',
    ...meta.lines.map((line) => `- ${line}`),
    '',
    renderTable(rows),
    '',
    'req/s counts every response; logins/s counts completed login sequences; latencies are per request.',
    'RSS: the largest VmRSS sampled during the load, and VmHWM (peak since the process started) at its end.',
    'other CPU: share of all cores used by neither the server(s) nor the load process nor PostgreSQL (db, when the engine is PostgreSQL) during the load. Above ~10% the machine was not quiet and the row is unreliable.',
    "floor: the ideal endpoint sending the same SQL through Prisma (the project's fixed data layer), on the server's own Prisma set-up, in the shape the server sends each request (the same statements, in an interactive transaction or as reads then one batch); the gap from floor to ideal is Prisma's cost.",
    'floor1: the ideal endpoint with one Prisma statement per request (its read; the rest on the plain driver): the gap from floor to floor1 is what sending fewer statements could still take.',
    'ratio to floor / floor1 / ideal: Keystate / each, on logins/s for login scenarios and req/s otherwise.',
    ...(notes.length === 0 ? [] : ['', '## Flagged', '', ...notes]),
    ...(sections.length === 0 ? [] : ['', ...sections]),
    '',
  ].join('\n');
}
