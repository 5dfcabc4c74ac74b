import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isPostgresUrl, postgresEngine, sqliteEngine } from './database.js';
import { CASES, type Case, type Client, createClient, type Kind, loginBody, MAX_FAILURES, newSubject, type Subject, WRONG_PER_SUBJECT, wrongSecret } from './enumeration-setup.js';
import { median, medianAbove, seeded, shuffled, tellsApart } from './enumeration-stats.js';
import { runChild } from './processes.js';
import { startRealServers } from './real-server.js';

// `npm run bench:enumeration -- [--samples 200] [--database postgres://…] [--no-build] [--check P]` (issue 15,
// point 6): does the time a refused login takes tell who exists or holds a credential? For each
// kind (password, authenticator code) and each refusal path (a wrong secret, an identifier locked
// out, a bogus session_id), logins naming nobody, a user without the credential and a holder are
// timed against the real server (started as the bench starts it), one request at a time, the
// three interleaved in a new random order every round, so drifts of a shared machine fall on all
// three alike. It prints the median of each, and how often the medians of 40 requests would tell a
// holder (or a user without the credential) from nobody: 50 % is a coin toss. The table is also
// written to bench/results/enumeration-<engine>.md. A timing lives here, never in a unit test;
// `--check P` (CI) writes nothing and fails when the medians tell a case from nobody more than P %
// of the time on a path other than a wrong password.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const KINDS: readonly Kind[] = ['password', 'totp'];
type Path = 'wrong secret' | 'locked' | 'bogus session_id';
const PATHS: readonly { path: Path; status: number }[] = [
  { path: 'wrong secret', status: 400 },
  { path: 'locked', status: 403 },
  { path: 'bogus session_id', status: 400 },
];
const WARM_UP_ROUNDS = 10;
const ATTACKER_SAMPLE = 40;
const DRAWS = 4000;

/** Who each path's logins name, per case: identifiers in turn (wrong secrets: each takes at most
 * WRONG_PER_SUBJECT, staying short of its lock), one locked out, one fresh (bogus sessions). */
interface Subjects {
  readonly wrong: Readonly<Record<Case, readonly Subject[]>>;
  readonly locked: Readonly<Record<Case, Subject>>;
  readonly fresh: Readonly<Record<Case, Subject>>;
}

async function timedLogin(client: Client, kind: Kind, subject: Subject, sessionId: string | null): Promise<{ ms: number; status: number }> {
  const { path, body } = loginBody(kind, subject.email, wrongSecret(kind, subject.seed), sessionId);
  const started = performance.now();
  const response = await fetch(`${client.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await response.text();
  return { ms: performance.now() - started, status: response.status };
}

async function perCase<T>(make: (which: Case) => Promise<T>): Promise<Record<Case, T>> {
  return { unknown: await make('unknown'), without: await make('without'), holder: await make('holder') };
}

async function prepare(client: Client, kind: Kind, attempts: number): Promise<Subjects> {
  const count = Math.ceil(attempts / WRONG_PER_SUBJECT);
  const wrong = await perCase((which) => Promise.all(Array.from({ length: count }, () => newSubject(client, kind, which))));
  const locked = await perCase((which) => newSubject(client, kind, which));
  const fresh = await perCase((which) => newSubject(client, kind, which));
  for (const which of CASES) {
    for (let attempt = 0; attempt < MAX_FAILURES; attempt++) await timedLogin(client, kind, locked[which], null);
  }
  return { wrong, locked, fresh };
}

async function measure(client: Client, kind: Kind, rounds: number, random: () => number): Promise<{ samples: Map<string, number[]>; unexpected: string[] }> {
  const subjects = await prepare(client, kind, rounds + WARM_UP_ROUNDS);
  const samples = new Map<string, number[]>();
  const unexpected: string[] = [];
  for (let round = 0; round < WARM_UP_ROUNDS + rounds; round++) {
    for (const { path, status } of PATHS) {
      for (const which of shuffled(CASES, random)) {
        const subject = path === 'locked' ? subjects.locked[which] : path === 'wrong secret' ? subjects.wrong[which][Math.floor(round / WRONG_PER_SUBJECT)] : subjects.fresh[which];
        if (subject === undefined) throw new Error('no subject left');
        const timed = await timedLogin(client, kind, subject, path === 'bogus session_id' ? `bogus-${round}` : null);
        if (timed.status !== status) unexpected.push(`${kind} ${path} ${which}: ${timed.status}`);
        if (round < WARM_UP_ROUNDS) continue;
        const key = `${path}|${which}`;
        samples.set(key, [...(samples.get(key) ?? []), timed.ms]);
      }
    }
  }
  return { samples, unexpected };
}

/** One cell an attacker could read: how often the medians of 40 tell `which` from nobody. */
interface Telling {
  readonly where: string;
  readonly share: number;
}

function table(kind: Kind, samples: Map<string, number[]>, random: () => number): { rows: string[]; tellings: Telling[] } {
  const tellings: Telling[] = [];
  const rows = PATHS.map(({ path }) => {
    const [unknown = [], without = [], holder = []] = CASES.map((which) => samples.get(`${path}|${which}`) ?? []);
    const medians = [unknown, without, holder].map((values) => median(values).toFixed(2));
    // Each round's requests ran one after the other: their differences cancel the drifts of a shared machine.
    const pairedGap = (values: readonly number[]) => median(values.map((value, round) => value - (unknown[round] ?? Number.NaN))).toFixed(2);
    const tells = (values: readonly number[], which: Case) => {
      const share = tellsApart(medianAbove(values, unknown, ATTACKER_SAMPLE, DRAWS, random));
      tellings.push({ where: `${kind} ${path} ${which}`, share });
      return `${Math.round(100 * share)} %`;
    };
    return `| ${kind} | ${path} | ${medians.join(' | ')} | ${pairedGap(holder)} | ${pairedGap(without)} | ${tells(holder, 'holder')} | ${tells(without, 'without')} |`;
  });
  return { rows, tellings };
}

/** `--check P` (CI): the cells whose medians of 40 tell a case from nobody more than P % of the time.
 * A wrong password is left out: its Argon2id verify wanders by milliseconds from one moment to the
 * next, for everyone alike, which a short run can mistake for a gap (the full run reports it). */
function failing(tellings: readonly Telling[], percent: number): Telling[] {
  return tellings.filter((telling) => !telling.where.startsWith('password wrong secret') && 100 * telling.share > percent);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { samples: { type: 'string', default: '200' }, database: { type: 'string' }, 'no-build': { type: 'boolean', default: false }, check: { type: 'string' } } });
  const rounds = Number(values.samples);
  if (!Number.isInteger(rounds) || rounds < 10) throw new Error('--samples must be an integer of at least 10');
  const check = values.check === undefined ? null : Number(values.check);
  if (check !== null && !(check > 50 && check <= 100)) throw new Error('--check must be a percentage above 50');
  if (values.database !== undefined && !isPostgresUrl(values.database)) throw new Error('--database must be a postgres:// URL (SQLite is the default)');
  if (!values['no-build']) await runChild('npm', ['run', 'build', '--silent'], { cwd: root });
  const tmp = mkdtempSync(join(tmpdir(), 'keystate-enumeration-'));
  const engine = values.database === undefined ? sqliteEngine(tmp) : postgresEngine(values.database);
  const database = await engine.fresh('enumeration');
  const servers = await startRealServers({ root, databaseUrl: database.url, alg: 'ES256', instances: 1 });
  const started = Date.now();
  try {
    const client = await createClient(servers.urls[0] ?? '', servers.adminToken);
    const random = seeded(15);
    const rows: string[] = [];
    const tellings: Telling[] = [];
    const unexpected: string[] = [];
    for (const kind of KINDS) {
      console.log(`${kind}: ${rounds} rounds of ${PATHS.length} paths × ${CASES.length} cases`);
      const measured = await measure(client, kind, rounds, random);
      const measuredTable = table(kind, measured.samples, random);
      rows.push(...measuredTable.rows);
      tellings.push(...measuredTable.tellings);
      unexpected.push(...measured.unexpected);
    }
    const commit = (await runChild('git', ['rev-parse', '--short', 'HEAD'], { cwd: root })).trim();
    const report = [
      `# Keystate bench: enumeration, ${engine.name}`,
      '',
      `date: ${new Date(started).toISOString()}; wall time ${Math.round((Date.now() - started) / 1000)} s; commit ${commit}`,
      `machine: ${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}; one request at a time, cases interleaved in random order, ${rounds} per cell after ${WARM_UP_ROUNDS} warm-up rounds`,
      '',
      `| kind | path | nobody p50 ms | without p50 ms | holder p50 ms | holder − nobody, paired p50 ms | without − nobody, paired p50 ms | medians of ${ATTACKER_SAMPLE} tell holder from nobody | … user without from nobody |`,
      '|---|---|---:|---:|---:|---:|---:|---:|---:|',
      ...rows,
      '',
      `Paired: the median of the differences between requests of the same round (adjacent in time). 50 % is a coin toss: comparing medians of ${ATTACKER_SAMPLE} requests tells nothing (${DRAWS} resamplings of the measured requests).`,
      unexpected.length === 0 ? 'Every answer had the expected status.' : `Unexpected answers (${unexpected.length}): ${[...new Set(unexpected)].slice(0, 10).join('; ')}`,
    ].join('\n');
    console.log(`\n${report}\n`);
    if (unexpected.length > 0) process.exitCode = 1;
    if (check !== null) {
      // A check writes no result file: its few rounds are not a measurement to keep.
      const told = failing(tellings, check);
      for (const telling of told) console.error(`flagged: the medians of ${ATTACKER_SAMPLE} tell ${telling.where} from nobody ${Math.round(100 * telling.share)} % of the time (limit ${check} %)`);
      if (told.length > 0) process.exitCode = 1;
      return;
    }
    const file = join(root, 'bench', 'results', `enumeration-${engine.name}.md`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${report}\n`);
    console.log(`written: ${relative(root, file)}`);
  } finally {
    await servers.stop();
    await database.drop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
