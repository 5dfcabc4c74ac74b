import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrationsDir, readMigrations } from '../../src/storage/migrate.js';
import { testEngine } from '../helpers/db.js';
import { cleanUp, freePort, start } from '../helpers/process.js';

// Issue 15, point 3: a second process on the same SQLite file — `keys rotate` while the server runs,
// an overlapping restart — works: a database whose migrations are all recorded needs no schema
// engine (whose SQLite connector wants the file to itself, so it used to wait ~12 s and die with a
// WebAssembly stack), and SQLite's busy timeout waits out the other process's short write locks.
// When a migration really must run while another process holds the file, the start waits, then
// says in one line that the file is locked by another process. Real processes from dist/.

const MASTER_KEY = randomBytes(32).toString('base64');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keystate-second-'));
});
afterEach(cleanUp);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const serverEnv = (databaseUrl: string, port: number) => ({ PORT: String(port), DATABASE_URL: databaseUrl, KEYSTATE_MASTER_KEY: MASTER_KEY, ISSUER: 'http://keystate.second.test' });

async function serving(databaseUrl: string) {
  const port = await freePort();
  const server = start(serverEnv(databaseUrl, port));
  await server.printed('Keystate listening');
  return { server, url: `http://127.0.0.1:${port}` };
}

/** Nothing the engine would print: a WebAssembly frame, the adapter's error name it cannot parse. */
function expectNoEngineStack(output: string): void {
  expect(output).not.toMatch(/wasm|SocketTimeout|schema_engine|\n\s+at /);
}

describe.skipIf(testEngine() !== 'sqlite')('a second process on the same SQLite file', () => {
  it('`keys rotate` while the server serves: it rotates, and the server keeps serving', async () => {
    const databaseUrl = `file:${join(dir, 'rotate.db')}`;
    const { server, url } = await serving(databaseUrl);
    const rotation = start({ DATABASE_URL: databaseUrl, KEYSTATE_MASTER_KEY: MASTER_KEY }, ['keys', 'rotate']);
    expect(await rotation.exited, rotation.output()).toBe(0);
    expect(JSON.parse(rotation.output().slice(rotation.output().indexOf('{')))).toMatchObject({ signing: expect.anything() });
    expectNoEngineStack(rotation.output());
    expect((await fetch(`${url}/health`)).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 180_000);

  it('an overlapping restart: the new server starts while the old one still serves, and both serve', async () => {
    const databaseUrl = `file:${join(dir, 'overlap.db')}`;
    const old = await serving(databaseUrl);
    const next = await serving(databaseUrl);
    expectNoEngineStack(next.server.output());
    for (const { url } of [old, next]) expect((await fetch(`${url}/ready`)).status).toBe(200);
    old.server.child.kill('SIGTERM');
    expect(await old.server.exited).toBe(0);
    expect((await fetch(`${next.url}/ready`)).status).toBe(200);
    next.server.child.kill('SIGTERM');
    expect(await next.server.exited).toBe(0);
  }, 180_000);

  it('a migration to apply while another process holds the file: waits, then says the file is locked, in one line', async () => {
    const file = join(dir, 'pending.db');
    const databaseUrl = `file:${file}`;
    // The database of an older release (its last migration not applied yet), and another process
    // in the middle of a long write on it.
    const all = readMigrations(migrationsDir('sqlite')).migrationDirectories.map((entry) => entry.path);
    await migrate(databaseUrl, { until: all.at(-2) });
    const holder = new Database(file);
    try {
      holder.exec('BEGIN IMMEDIATE');
      const upgraded = start(serverEnv(databaseUrl, await freePort()));
      expect(await upgraded.exited).toBe(1);
      const failure = upgraded
        .output()
        .split('\n')
        .filter((line) => line.startsWith('Keystate failed to start'));
      expect(failure).toEqual([expect.stringContaining(`the SQLite database ${file} is locked by another process`)]);
      expectNoEngineStack(upgraded.output());
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    // Once the other process is done, the same start applies the migration.
    const { server } = await serving(databaseUrl);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 180_000);
});
