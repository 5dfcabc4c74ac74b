import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshDatabase, type TestDatabase, testEngine } from './db.js';

// The server as an operator runs it: the real entry point (src/main.ts) in its own process, its
// output collected. `cleanUp()` (in afterEach) kills what is left and removes what was made.

const children: ChildProcess[] = [];
const dirs: string[] = [];
const databases: TestDatabase[] = [];

export async function cleanUp(): Promise<void> {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  for (const database of databases.splice(0)) await database.drop();
}

/** SQLite: a file in a folder that does not exist yet (the server creates it). PostgreSQL: an
 * empty database (the server applies the migrations itself). */
export async function emptyDatabaseUrl(): Promise<string> {
  if (testEngine() === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'keystate-proc-'));
    dirs.push(dir);
    return `file:${join(dir, 'nested', 'keystate.db')}`;
  }
  const database = await freshDatabase({ migrated: false });
  databases.push(database);
  return database.url;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

export interface Started {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves once the output contains `text` (checked on every chunk the child writes). */
  printed(text: string): Promise<void>;
  readonly exited: Promise<number | null>;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILT_ENTRY = join(root, 'dist', 'src', 'main.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds dist/ (as `npm run build` does) unless it is newer than every source file: a process
 * started with `{ built: true }` runs what an operator runs, `node dist/src/main.js`. */
export function ensureBuilt(): void {
  const sources = Math.max(newestSource(join(root, 'src')), newestSource(join(root, 'machines')));
  if (existsSync(BUILT_ENTRY) && statSync(BUILT_ENTRY).mtimeMs >= sources) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
}

export function start(env: Record<string, string>, args: readonly string[] = [], options: { built?: boolean } = {}): Started {
  // Node itself with tsx's loader (not the tsx CLI, which runs the server in a child of its own):
  // a signal, SIGKILL included, reaches the server process. `built`: dist/ (see ensureBuilt).
  const entry = options.built === true ? [BUILT_ENTRY] : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, [...entry, ...args], { env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let text = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  const onData = (chunk: unknown) => {
    text += String(chunk);
    for (const waiter of waiters.filter((w) => text.includes(w.text))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    printed: (wanted) =>
      text.includes(wanted)
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((resolve) => waiters.push({ text: wanted, resolve })),
            exited.then((code) => Promise.reject(new Error(`exited with ${code} before printing "${wanted}":\n${text}`))),
          ]),
    exited,
  };
}

