import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_ENTRY } from './build.js';
import { freshDatabase, type TestDatabase, testEngine } from './db.js';

// The server as an operator runs it: the built entry point (dist/src/main.js) in its own process, its
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

/** Ports handed to child processes come from below Linux's ephemeral range (32768–60999): a port
 * the kernel chose for `listen(0)` is one it may give the next outgoing connection (to PostgreSQL,
 * Redis, a test server) before the child binds it, which failed a start with EADDRINUSE. */
const CHILD_PORTS = { from: 20_000, count: 12_000 };

/** Whether the port can be bound on 127.0.0.1 now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (;;) {
    const port = CHILD_PORTS.from + Math.floor(Math.random() * CHILD_PORTS.count);
    if (await bindable(port)) return port;
  }
}

export interface Started {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves once the output contains `text` (checked on every chunk the child writes). */
  printed(text: string): Promise<void>;
  readonly exited: Promise<number | null>;
}

/** The server as `npm start` runs it: `node dist/src/main.js` (built by the suite's global setup),
 * Node itself, so a signal, SIGKILL included, reaches the server process. */
export function start(env: Record<string, string>, args: readonly string[] = []): Started {
  const child = spawn(process.execPath, [BUILT_ENTRY, ...args], { env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
