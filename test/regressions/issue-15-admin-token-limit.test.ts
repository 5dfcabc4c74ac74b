import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// Issue 15 §7: wrong admin tokens were not limited (400–1,800 guesses a second). Now each client
// address may present RATE_LIMIT_ADMIN_AUTH_MAX wrong tokens per window; past that it gets 429 with
// Retry-After for every admin call, the right token included, so guessing stops (a right guess
// would otherwise still get in). Calls are counted before the token is compared, and a right
// token gives its count back: only wrong tokens use up the limit.

const MAX = 10;
const WINDOW_SECONDS = 300;

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer({ databaseUrl: db.url, env: { RATE_LIMIT_ADMIN_AUTH_MAX: String(MAX), RATE_LIMIT_ADMIN_AUTH_WINDOW_SECONDS: String(WINDOW_SECONDS) } });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

const RIGHT = () => server.config.adminToken ?? '';
const WRONG = 'a-wrong-admin-token-guess';

/** An admin call from `address` (the request's IP as Fastify sees it). */
function call(address: string, token: string | null, url = '/admin/v1/applications/no-such-app') {
  return server.app.inject({ method: 'GET', url, remoteAddress: address, headers: token === null ? {} : { authorization: `Bearer ${token}` } });
}

describe('issue 15: wrong admin tokens are limited per client address', () => {
  it('after the limit, the address gets 429 with Retry-After for every admin call, the right token too, until its window ends', async () => {
    const attacker = '203.0.113.7';
    // A call without a token guesses nothing: not counted (review finding).
    for (let i = 0; i < 3 * MAX; i++) expect((await call(attacker, null)).statusCode).toBe(401);
    for (let guess = 1; guess <= MAX; guess++) expect((await call(attacker, WRONG)).statusCode).toBe(401);

    const blocked = await call(attacker, WRONG);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBe(String(WINDOW_SECONDS));
    expect(blocked.json()).toEqual({ message: 'Too many requests', error_code: 429 });
    // The right token is not even compared while the address is blocked: a right guess gets in nowhere.
    expect((await call(attacker, RIGHT())).statusCode).toBe(429);
    for (const url of ['/visualizer/machines', '/admin/v1/flows/no-such-flow']) expect((await call(attacker, RIGHT(), url)).statusCode).toBe(429);
    const rotate = await server.app.inject({ method: 'POST', url: '/admin/v1/keys/rotate', remoteAddress: attacker, headers: { authorization: `Bearer ${RIGHT()}` } });
    expect(rotate.statusCode).toBe(429);

    // Other addresses are not affected.
    expect((await call('198.51.100.4', RIGHT())).statusCode).toBe(404);
    expect((await call('198.51.100.4', WRONG)).statusCode).toBe(401);

    server.clock.advance(WINDOW_SECONDS * 1000 - 1000);
    expect((await call(attacker, RIGHT())).headers['retry-after']).toBe('1');
    server.clock.advance(1000);
    expect((await call(attacker, RIGHT())).statusCode).toBe(404);
  });

  it('an IPv6 host counts its whole /64 (review finding): guesses from other addresses of it are its own', async () => {
    for (let guess = 1; guess <= MAX; guess++) expect((await call(`2001:db8:1:2::${guess.toString(16)}`, WRONG)).statusCode).toBe(401);
    expect((await call('2001:0db8:0001:0002:ffff::1', WRONG)).statusCode).toBe(429);
    expect((await call('2001:db8:1:3::1', WRONG)).statusCode).toBe(401);
  });

  it('right tokens never use up the limit', async () => {
    const operator = '192.0.2.10';
    for (let i = 0; i < 3 * MAX; i++) expect((await call(operator, RIGHT())).statusCode).toBe(404);
    for (let guess = 1; guess <= MAX; guess++) expect((await call(operator, WRONG)).statusCode).toBe(401);
    expect((await call(operator, WRONG)).statusCode).toBe(429);
  });

  it('a burst of guesses sent at once is cut at the limit: the calls past it are refused before any token is compared', async () => {
    const attacker = '203.0.113.99';
    const answers = await Promise.all([...Array.from({ length: 100 }, () => call(attacker, WRONG)), call(attacker, RIGHT())]);
    const statuses = answers.map((answer) => answer.statusCode);
    expect(statuses.filter((status) => status === 401)).toHaveLength(MAX);
    expect(statuses.filter((status) => status === 429)).toHaveLength(101 - MAX);
    // Sent last, past the limit: refused like the guesses around it.
    expect(statuses.at(-1)).toBe(429);
  });
});
