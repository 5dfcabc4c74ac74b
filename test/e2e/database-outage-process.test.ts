import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testEngine } from '../helpers/db.js';
import { type PrivatePostgres, startPrivatePostgres } from '../helpers/private-postgres.js';
import { cleanUp, freePort, start } from '../helpers/process.js';

// Issue 15, point 1, in the server process (from dist/): while PostgreSQL is down, the background
// work that polls the database — the delivery worker, the apps and keys refreshes, every 50 ms
// here — logs the outage once instead of an error with a stack per run, and the end once writes
// work again; /ready and /health say what they should; no restart is needed.

let cluster: PrivatePostgres;

beforeAll(async () => {
  if (testEngine() !== 'postgresql') return;
  cluster = await startPrivatePostgres();
}, 300_000);
afterEach(cleanUp);
afterAll(async () => {
  await cluster?.destroy();
});

describe.skipIf(testEngine() !== 'postgresql')('a database outage seen by the server process', () => {
  it('polling jobs log the outage once, its end once, and no stack', async () => {
    const databaseUrl = await cluster.createDatabase('process');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = start({
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      KEYSTATE_MASTER_KEY: randomBytes(32).toString('base64'),
      DELIVERY_POLL_MS: '50',
      APP_REFRESH_MS: '50',
      KEY_REFRESH_SECONDS: '1',
    });
    await server.printed('Keystate listening');

    await cluster.stop('fast');
    await server.printed('"database":"unavailable"');
    expect((await fetch(`${url}/health`)).status).toBe(503);
    expect((await fetch(`${url}/ready`)).status).toBe(503);

    await cluster.start();
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    await server.printed('"database":"available"');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    const lines = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    expect(lines.filter((line) => line.includes('"database":"unavailable"'))).toHaveLength(1);
    expect(lines.filter((line) => line.includes('"database":"available"'))).toHaveLength(1);
    expect(lines.filter((line) => line.includes('"level":50') || line.includes('"stack"'))).toEqual([]);
  }, 120_000);
});
