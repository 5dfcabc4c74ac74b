import { afterAll, beforeAll, expect } from 'vitest';
import { freshDatabase, type TestDatabase } from './db.js';
import { startTestServer, type TestClient, type TestServer } from './test-server.js';

// The world of the bad-input tests (test/http/bad-input*.test.ts): a server with one app, one user
// and the app's client token, and `raw`, through which every response of those files goes, so
// that none may be a 500 or carry a stack trace (keystate-server.md §5 item 1).
//
// The parts are exported as live bindings, set by the hooks useBadInputFixture() registers, so the
// tests read `server`, `clientToken`… as if the file had declared them. Vitest loads this module
// afresh for each test file, so each file gets its own database and server.

export const SEND = '/cis/v1/auth/link/email/send';
export const AUTHENTICATE = '/cis/v1/auth/link/email/authenticate';
export const REDIRECT = 'https://app.example/verify';

export let db: TestDatabase;
export let server: TestServer;
export let client: TestClient;
export let clientToken: string;
export let userEmail: string;

/** Starts the database and the server and creates the app and its user before the file's tests. */
export function useBadInputFixture(): void {
  beforeAll(async () => {
    db = await freshDatabase();
    // These files send to one user many times; the per-identifier send limit is not what they test.
    server = await startTestServer({ databaseUrl: db.url, env: { RATE_LIMIT_SEND_MAX: '1000' } });
    client = await server.createApp({ name: 'Shop', redirectUris: [REDIRECT] });
    clientToken = await client.token();
    userEmail = 'someone@example.com';
    expect((await client.call('POST', '/cis/v1/users', { email: userEmail })).status).toBe(201);
  });

  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });
}

export type Answer = { status: number; body: any; text: string; headers: Headers };

/** Every response of the bad-input tests goes through here: none may be a 500 or carry a stack trace. */
export async function raw(path: string, init: RequestInit & { headers?: Record<string, string> } = {}, bearer: string | null = clientToken): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    ...init,
    headers: { ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }), ...init.headers },
  });
  const text = await response.text();
  expect(response.status, `${path}: ${text}`).not.toBe(500);
  expect(response.status).toBeLessThan(500);
  expect(text).not.toMatch(/stack/i);
  expect(text).not.toMatch(/\bat \S+ \(|\bat (file|node):|\.(ts|js):\d+:\d+/);
  let body: unknown = null;
  if (text !== '') {
    expect(response.headers.get('content-type') ?? '').toContain('application/json');
    body = JSON.parse(text);
  }
  return { status: response.status, body, text, headers: response.headers };
}

export const json = (path: string, body: unknown, bearer: string | null = clientToken) => raw(path, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, bearer);

export const validSend = { identifier: 'someone@example.com', identifier_type: 'email', redirect_uri: REDIRECT };
