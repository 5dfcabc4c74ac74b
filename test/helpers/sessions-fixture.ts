import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { afterAll, beforeAll, expect } from 'vitest';
import { freshDatabase, type TestDatabase } from './db.js';
import { startTestServer, type TestClient, type TestServer } from './test-server.js';

// The world of the session end-to-end tests (test/e2e/sessions*.test.ts): two apps of one tenant,
// Shop (which requires MFA) and Blog, users logged in with a direct passcode, and every token
// verified with jose against the JWKS, as a client app would.
//
// The parts are exported as live bindings, set by the hooks useSessionsFixture() registers, so the
// tests read `server`, `shop`… as if the file had declared them. Vitest loads this module afresh
// for each test file, so each file gets its own database and server.

export const DAY = 24 * 60 * 60 * 1000;
export let db: TestDatabase;
export let server: TestServer;
export let shop: TestClient;
export let blog: TestClient;
/** Numbers the users (and tenants) the tests create; importers read it and advance it with nextCounter(). */
export let counter = 0;

/** Starts the database and the server before the file's tests; stops them after. */
/** `listen`: a real listening server, for the end-to-end flow of an endpoint (test/e2e); unset, requests go through inject(). */
export function useSessionsFixture(options: { listen?: boolean } = {}): void {
  beforeAll(async () => {
    db = await freshDatabase();
    // Clients here fetch a client token per call (the clock moves by days), so lift that limit.
    server = await startTestServer({ ...options, databaseUrl: db.url, env: { RATE_LIMIT_CLIENT_TOKEN_MAX: '100000' } });
    shop = await server.createApp({ name: 'Shop', loginPreferences: { mfa: { required: true } }, tokenPolicy: 'perCall' });
    blog = await server.createApp({ name: 'Blog', tokenPolicy: 'perCall' });
  });

  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });
}

/** Advances `counter` and returns it (importers cannot assign an imported binding). */
export function nextCounter(): number {
  return ++counter;
}

export async function verify(token: string, audience: string): Promise<JWTPayload> {
  const jwks = createRemoteJWKSet(new URL(`${server.url}/cis/oidc/jwks`));
  return (await jwtVerify(token, jwks, { issuer: server.config.issuer, audience, currentDate: new Date(server.clock.now()) })).payload;
}

/** A user of `app` logged in with a direct passcode: returns the token response. */
export async function login(app: TestClient = shop, sessionId?: string): Promise<{ userId: string; email: string; tokens: Record<string, string> }> {
  const email = `sess${nextCounter()}@example.com`;
  const created = await app.call('POST', '/cis/v1/users', { email });
  const sent = await app.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'email', identifier: email });
  const tokens = await app.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: sent.body.code, identifier_type: 'email', identifier: email, ...(sessionId ? { session_id: sessionId } : {}) });
  expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
  return { userId: created.body.result.user_id, email, tokens: tokens.body };
}

export const silent = (app: TestClient, sessionId: string, extra: Record<string, unknown> = {}) => app.call('POST', '/cis/v1/auth/session/authenticate', { session_id: sessionId, ...extra });
export const refresh = (app: TestClient, token: string) => app.call('POST', '/cis/v1/auth/token/refresh', { refresh_token: token });
export const logout = (app: TestClient, sessionId: string) => app.call('POST', '/cis/v1/auth/session/logout', { session_id: sessionId });
