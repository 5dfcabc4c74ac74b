import { parseArgs } from 'node:util';
import { isPostgresUrl } from './database.js';
import { SCENARIOS, type ScenarioName } from './load/job.js';
import type { Alg } from './real-server.js';

// `npm run bench -- [options]`; see bench/README.md.

export interface Options {
  readonly algs: readonly Alg[];
  readonly scenarios: readonly ScenarioName[];
  readonly durationSeconds: number;
  /** Connections of a scenario: --connections for all, else the scenario's default. */
  readonly connectionsOf: (scenario: ScenarioName) => number;
  /** PostgreSQL server to create the run's databases in; null: SQLite files. */
  readonly postgresUrl: string | null;
  readonly instances: number;
  readonly profile: boolean;
  readonly smoke: boolean;
  readonly ideal: boolean;
  /** Also measure the ideal's SQL through Prisma (the Prisma floor). */
  readonly floor: boolean;
  readonly build: boolean;
  /** Extra environment of the real server (`--server-env NAME=VALUE,…`), e.g. UV_THREADPOOL_SIZE. */
  readonly serverEnv: Readonly<Record<string, string>>;
  /** The command line as given, for the report. */
  readonly summary: string;
}

/** Logins are measured with fewer connections (issue 10: "OTP logins with 10"). */
const LOGIN_SCENARIOS: ReadonlySet<ScenarioName> = new Set(['otp-login', 'otp-login-outbox', 'magic-link-login']);
const DEFAULT_CONNECTIONS = 50;
const DEFAULT_LOGIN_CONNECTIONS = 10;
const SMOKE = { durationSeconds: 2, connections: 4, loginConnections: 2 };

export const isLoginScenario = (scenario: ScenarioName): boolean => LOGIN_SCENARIOS.has(scenario);

const list = <T extends string>(value: string, allowed: readonly T[], what: string): T[] =>
  value.split(',').map((item) => {
    const trimmed = item.trim();
    if (!(allowed as readonly string[]).includes(trimmed)) throw new Error(`unknown ${what} "${trimmed}" (one of: ${allowed.join(', ')})`);
    return trimmed as T;
  });

const positive = (value: string | undefined, what: string): number | null => {
  if (value === undefined) return null;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`--${what} must be a positive integer`);
  return number;
};

/** "A=1,B=2" → { A: '1', B: '2' }. */
function serverEnvOf(value: string): Record<string, string> {
  const pairs = value === '' ? [] : value.split(',').map((pair) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(pair.trim()));
  if (pairs.some((pair) => pair === null)) throw new Error('--server-env takes NAME=VALUE pairs separated by commas');
  return Object.fromEntries(pairs.map((pair) => [pair?.[1] ?? '', pair?.[2] ?? '']));
}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): Options {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      alg: { type: 'string', default: 'ES256,RS256' },
      scenarios: { type: 'string', default: SCENARIOS.join(',') },
      duration: { type: 'string' },
      connections: { type: 'string' },
      database: { type: 'string' },
      instances: { type: 'string', default: '1' },
      profile: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      'no-ideal': { type: 'boolean', default: false },
      'no-floor': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      'server-env': { type: 'string', default: '' },
    },
  });
  const smoke = values.smoke;
  const database = values.database ?? env.DATABASE_URL;
  if (values.database !== undefined && !isPostgresUrl(values.database)) throw new Error('--database must be a postgres:// or postgresql:// URL (SQLite is the default)');
  // The smoke keeps CI's few seconds on the embedded engine, whatever the environment says.
  const postgresUrl = !smoke && isPostgresUrl(database) ? database : null;
  const instances = positive(values.instances, 'instances') ?? 1;
  if (instances > 1 && postgresUrl === null) throw new Error('--instances > 1 needs PostgreSQL (--database postgres://…): SQLite is one process');
  const connections = positive(values.connections, 'connections');
  const durationSeconds = positive(values.duration, 'duration') ?? (smoke ? SMOKE.durationSeconds : 10);
  const connectionsOf = (scenario: ScenarioName): number => {
    const login = isLoginScenario(scenario);
    const chosen = connections ?? (smoke ? (login ? SMOKE.loginConnections : SMOKE.connections) : login ? DEFAULT_LOGIN_CONNECTIONS : DEFAULT_CONNECTIONS);
    // Each instance gets at least one connection.
    return Math.max(chosen, instances);
  };
  return {
    algs: smoke ? ['ES256'] : list(values.alg, ['ES256', 'RS256'] as const, 'algorithm'),
    scenarios: list(values.scenarios, SCENARIOS, 'scenario'),
    durationSeconds,
    connectionsOf,
    postgresUrl,
    instances,
    profile: values.profile,
    smoke,
    ideal: !values['no-ideal'],
    floor: !values['no-floor'] && !smoke,
    build: !values['no-build'],
    serverEnv: serverEnvOf(values['server-env']),
    summary: argv.length === 0 ? '(defaults)' : argv.join(' ').replace(/\/\/[^@/]*@/g, '//…@'),
  };
}
