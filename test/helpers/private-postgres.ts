import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { admin } from './pg-admin.js';
import { freePort } from './process.js';

// A throwaway PostgreSQL cluster of the test's own (initdb in a temp folder, its own port on
// 127.0.0.1), which the test may stop, start and reconfigure at will: outages made for real without
// touching the shared server of TEST_POSTGRES_URL, which other tests use. As root (CI), the cluster
// runs as user `postgres`, as .ci/run does: initdb and postgres refuse to run as root.

const run = promisify(execFile);

/** The newest `/usr/lib/postgresql/<version>/bin` holding initdb and pg_ctl, or null (as .ci/run finds it). */
function postgresBinaries(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((name) => /^\d+(\.\d+)?$/.test(name) && existsSync(join(root, name, 'bin', 'initdb')));
  const newest = versions.sort((a, b) => Number(a) - Number(b)).at(-1);
  return newest === undefined ? null : join(root, newest, 'bin');
}

export interface PrivatePostgres {
  /** A superuser URL of the cluster's `postgres` database (trust authentication, loopback only). */
  readonly url: string;
  readonly port: number;
  /** True between a start and a stop. */
  readonly running: boolean;
  /** Starts the stopped cluster and resolves once it accepts connections (pg_ctl -w). */
  start(): Promise<void>;
  /** Stops it; `fast` (default) ends sessions with 57P01 as an administrator's restart does,
   * `immediate` is a crash (no clean shutdown). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  restart(): Promise<void>;
  /** A URL of another database of this cluster, created empty. */
  createDatabase(name: string): Promise<string>;
  /** Runs statements as the superuser (e.g. ALTER SYSTEM …; SELECT pg_reload_conf()). */
  sql(statement: string): Promise<void>;
  /** Stops the cluster (immediate) and removes its folder. Idempotent. */
  destroy(): Promise<void>;
}

const isRoot = () => process.getuid?.() === 0;

/** Runs a server binary, as `postgres` when we are root. */
async function asPostgres(bin: string, file: string, args: readonly string[]): Promise<void> {
  const command = isRoot() ? (['runuser', ['-u', 'postgres', '--', join(bin, file), ...args]] as const) : ([join(bin, file), args] as const);
  await run(command[0], [...command[1]], { timeout: 120_000 });
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinaries();
  if (bin === null) throw new Error('a private PostgreSQL cluster needs the server binaries (/usr/lib/postgresql/*/bin): install the postgresql package');
  const root = mkdtempSync(join(tmpdir(), 'keystate-private-pg-'));
  if (isRoot()) {
    const { uid, gid } = postgresIds();
    chownSync(root, uid, gid);
  }
  const data = join(root, 'data');
  const port = await freePort();
  let running = false;
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  // Small and disposable: durability off, little shared memory (a 2-core machine shared by many).
  const options = [
    `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${root}`,
    '-c max_connections=40 -c shared_buffers=16MB -c fsync=off -c synchronous_commit=off -c full_page_writes=off',
  ].join(' ');
  const pgCtl = (args: readonly string[]) => asPostgres(bin, 'pg_ctl', ['-D', data, ...args]);
  const withLog = async (step: Promise<void>) =>
    step.catch((error: Error) => {
      const log = existsSync(join(root, 'postgres.log')) ? readFileSync(join(root, 'postgres.log'), 'utf8').slice(-2000) : '';
      throw new Error(`private PostgreSQL: ${error.message}\n${log}`);
    });

  const cluster: PrivatePostgres = {
    url,
    port,
    get running() {
      return running;
    },
    async start() {
      await withLog(pgCtl(['-l', join(root, 'postgres.log'), '-w', '-t', '60', '-o', options, 'start']));
      running = true;
    },
    async stop(mode = 'fast') {
      running = false;
      await withLog(pgCtl(['-m', mode, '-w', '-t', '60', 'stop']));
    },
    async restart() {
      await cluster.stop();
      await cluster.start();
    },
    async createDatabase(name) {
      await cluster.sql(`CREATE DATABASE "${name}"`);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    sql: (statement) => admin(url, statement),
    destroy: once(async () => {
      if (existsSync(join(data, 'postmaster.pid'))) await pgCtl(['-m', 'immediate', '-w', 'stop']).catch(() => {});
      running = false;
      rmSync(root, { recursive: true, force: true });
    }),
  };
  try {
    await withLog(asPostgres(bin, 'initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-locale', '-E', 'UTF8', '--no-sync']));
    await cluster.start();
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}

/** The `postgres` user's uid and gid, from /etc/passwd (the postgresql package creates the user). */
function postgresIds(): { uid: number; gid: number } {
  const fields = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'))
    ?.split(':');
  const [uid, gid] = [Number(fields?.[2]), Number(fields?.[3])];
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error('running as root, a private PostgreSQL cluster needs the `postgres` user (created by the postgresql package)');
  return { uid, gid };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
