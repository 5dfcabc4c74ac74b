import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase, testEngine } from '../helpers/db.js';

// The server as an operator runs it: the real entry point in its own process. It applies the
// migrations, bootstraps a dev app, serves, and on SIGTERM finishes and exits 0; a bad setting
// stops the start with a line naming the variable.

const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const children: ChildProcess[] = [];
const dirs: string[] = [];
const databases: TestDatabase[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  for (const database of databases.splice(0)) await database.drop();
});

/** SQLite: a file in a folder that does not exist yet (the server creates it). PostgreSQL: an
 * empty database (the server applies the migrations itself). */
async function emptyDatabaseUrl(): Promise<string> {
  if (testEngine() === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'keystate-proc-'));
    dirs.push(dir);
    return `file:${join(dir, 'nested', 'keystate.db')}`;
  }
  const database = await freshDatabase({ migrated: false });
  databases.push(database);
  return database.url;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

interface Started {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves once the output contains `text` (checked on every chunk the child writes). */
  printed(text: string): Promise<void>;
  readonly exited: Promise<number | null>;
}

function start(env: Record<string, string>): Started {
  const child = spawn(TSX, ['src/main.ts'], { env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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

describe('the server process', () => {
  it('starts on an empty database, prints a ready dev app, serves, and exits 0 on SIGTERM', async () => {
    const databaseUrl = await emptyDatabaseUrl();
    const port = await freePort();
    const server = start({ PORT: String(port), DATABASE_URL: databaseUrl });
    await server.printed('Keystate listening');
    expect(server.output()).toMatch(/Dev App created: client_id=\S+ client_secret=\S+/);
    expect(server.output()).toMatch(/Development admin token/);

    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(await health.json()).toEqual({ status: 'ok' });

    const [, clientId, clientSecret] = /client_id=(\S+) client_secret=(\S+)/.exec(server.output()) ?? [];
    const token = await fetch(`http://127.0.0.1:${port}/oidc/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId ?? '', client_secret: clientSecret ?? '' }),
    });
    expect(token.status).toBe(200);
    // The secret was shown once on stdout; the structured logs never carry it.
    const logLines = server.output().split('\n').filter((line) => line.startsWith('{'));
    expect(logLines.join('\n')).not.toContain(clientSecret);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    // A second start on the same database creates nothing new and prints no dev app.
    const again = start({ PORT: String(port), DATABASE_URL: databaseUrl });
    await again.printed('Keystate listening');
    expect(again.output()).not.toContain('Dev App created');
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  });

  it('refuses to start on an invalid setting, naming the variable', async () => {
    const server = start({ PORT: 'not-a-port', TOKEN_SIGNING_ALG: 'HS256' });
    expect(await server.exited).not.toBe(0);
    expect(server.output()).toContain('Configuration error: PORT');
    expect(server.output()).toContain('Configuration error: TOKEN_SIGNING_ALG');
  });
});
