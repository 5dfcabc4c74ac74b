import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionsCheckingIntervalMs } from '../../src/http/transport.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { openRaw, type RawConnection } from '../helpers/raw-http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// A slow client cannot hold a connection: headers must arrive within HEADERS_TIMEOUT_MS, the whole
// request within REQUEST_TIMEOUT_MS, an idle keep-alive connection closes after
// KEEP_ALIVE_TIMEOUT_MS, while ordinary requests, several on one connection, work as before.
// The clients below really are slow (they write on a timer); the test only waits, with an upper
// bound far below what the defaults (10 s, 30 s) or Fastify's own (no request timeout) would allow.

const HEADERS_MS = 300;
const REQUEST_MS = 600;
const KEEP_ALIVE_MS = 400;
/** Node checks deadlines every connectionsCheckingInterval; Node adds 1 s to the keep-alive idle
 * timeout it advertises; the rest is slack for a loaded machine. */
const SLACK_MS = 2000;

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer({
    databaseUrl: db.url,
    listen: true,
    env: { HEADERS_TIMEOUT_MS: String(HEADERS_MS), REQUEST_TIMEOUT_MS: String(REQUEST_MS), KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_MS) },
  });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

/** Writes `next()` every 50 ms until the connection closes. */
function trickle(connection: RawConnection, next: () => string): void {
  const timer = setInterval(() => (connection.isClosed ? clearInterval(timer) : connection.write(next())), 50);
}

async function expectTimedOut(connection: RawConnection, limitMs: number, atLeastMs: number): Promise<void> {
  const closedAfter = await connection.closed(limitMs);
  // Not before the configured deadline (minus a little: the server started its clock on accept).
  expect(closedAfter).toBeGreaterThanOrEqual(atLeastMs - 50);
  const last = connection.responses.at(-1);
  expect(last?.status).toBe(408);
  expect(JSON.parse(last?.body ?? '')).toEqual({ message: 'The request did not arrive in time', error_code: 408 });
  expect(last?.headers.connection).toBe('close');
}

describe('timeouts from the configuration', () => {
  it('reach the Node server, checked often enough to matter', () => {
    expect(server.app.server.headersTimeout).toBe(HEADERS_MS);
    expect(server.app.server.requestTimeout).toBe(REQUEST_MS);
    expect(server.app.server.keepAliveTimeout).toBe(KEEP_ALIVE_MS);
    expect(connectionsCheckingIntervalMs({ headersMs: HEADERS_MS, requestMs: REQUEST_MS, keepAliveMs: KEEP_ALIVE_MS })).toBe(75);
    // Defaults: 10 s headers → checked every second, not every 30 s.
    expect(connectionsCheckingIntervalMs({ headersMs: 10_000, requestMs: 30_000, keepAliveMs: 5_000 })).toBe(1000);
    expect(connectionsCheckingIntervalMs({ headersMs: 100, requestMs: 100, keepAliveMs: 100 })).toBe(25);
  });

  it('a connection that never sends a request is closed with 408 after HEADERS_TIMEOUT_MS', async () => {
    const connection = await openRaw(server.url);
    await expectTimedOut(connection, HEADERS_MS + SLACK_MS, HEADERS_MS);
    expect(connection.responses).toHaveLength(1);
  });

  it('a client sending its headers slowly (slowloris) is cut off with 408', async () => {
    const connection = await openRaw(server.url);
    connection.write('GET /health HTTP/1.1\r\nHost: test\r\n');
    let line = 0;
    trickle(connection, () => `X-Slow-${line++}: a\r\n`);
    await expectTimedOut(connection, HEADERS_MS + SLACK_MS, HEADERS_MS);
  });

  it('a client trickling its body is cut off with 408 after REQUEST_TIMEOUT_MS', async () => {
    for (const [path, contentType] of [
      ['/oidc/token', 'application/x-www-form-urlencoded'],
      ['/admin/v1/tenants', 'application/json'],
    ] as const) {
      const connection = await openRaw(server.url);
      connection.write(`POST ${path} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${server.config.adminToken}\r\nContent-Type: ${contentType}\r\nContent-Length: 10000\r\n\r\n`);
      trickle(connection, () => 'a');
      await expectTimedOut(connection, REQUEST_MS + SLACK_MS, REQUEST_MS);
      expect(connection.responses, path).toHaveLength(1);
    }
  });

  it('a request refused before its body arrived closes the connection at once: no draining, no second answer', async () => {
    const connection = await openRaw(server.url);
    connection.write('POST /cis/v1/users HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{');
    trickle(connection, () => ' ');
    const refused = await connection.nextResponse();
    expect(refused.status).toBe(401);
    expect(refused.headers.connection).toBe('close');
    await connection.closed(REQUEST_MS + SLACK_MS);
    // Kept open to drain the body, the connection would have ended with a 408 on top of the 401.
    expect(connection.responses.map((response) => response.status)).toEqual([401]);
  });

  it('ordinary requests on a keep-alive connection work; the idle connection is then closed', async () => {
    const connection = await openRaw(server.url);
    for (let request = 0; request < 3; request++) {
      const body = JSON.stringify({ name: `Kept Alive ${request}` });
      connection.write('GET /health HTTP/1.1\r\nHost: test\r\n\r\n');
      const health = await connection.nextResponse();
      expect(health.status).toBe(200);
      expect(health.headers.connection).toBe('keep-alive');
      connection.write(
        `POST /admin/v1/tenants HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${server.config.adminToken}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      // The body in a second write, as a client streaming it would send it.
      connection.write(body);
      expect((await connection.nextResponse()).status).toBe(201);
    }
    expect(connection.isClosed).toBe(false);
    await connection.closed(KEEP_ALIVE_MS + SLACK_MS);
    // Closed quietly for being idle: no 408.
    expect(connection.responses).toHaveLength(6);
  });
});
