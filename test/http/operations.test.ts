import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// What an operator relies on (keystate-server.md §3, §7): health, the OpenAPI docs, the dev
// outbox, and a log that never holds a secret.

const REDIRECT = 'https://app.example/verify';
const SEND = '/cis/v1/auth/link/email/send';
const AUTHENTICATE = '/cis/v1/auth/link/email/authenticate';

let db: TestDatabase;
let server: TestServer;
let client: TestClient;

beforeAll(async () => {
  db = await freshDatabase();
  // No smtpUrl: email goes to the dev outbox.
  server = await startTestServer({ databaseUrl: db.url });
  client = await server.createApp({ name: 'Shop', redirectUris: [REDIRECT] });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

async function get(url: string): Promise<{ status: number; body: any; contentType: string }> {
  const response = await fetch(url);
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  return { status: response.status, body: contentType.includes('json') ? JSON.parse(text) : text, contentType };
}

async function newUser(target: TestClient, email: string): Promise<string> {
  const created = await target.call('POST', '/cis/v1/users', { email });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.result.user_id;
}

describe('GET /health', () => {
  it('is 200 { status: "ok" } while the database answers', async () => {
    const health = await get(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
  });

  it('is 503 once the database is gone', async () => {
    // Its own database, so that it can really go away: Prisma reconnects on the next query after
    // storage.close(), so closing alone leaves a database that still answers.
    const doomed = await freshDatabase();
    const other = await startTestServer({ databaseUrl: doomed.url });
    try {
      expect((await get(`${other.url}/health`)).status).toBe(200);
      await other.storage.close();
      await doomed.drop();
      const health = await get(`${other.url}/health`);
      expect(health.status).toBe(503);
      expect(health.body).toEqual({ status: 'unavailable' });
    } finally {
      await other.close().catch(() => {});
      await doomed.drop();
    }
    // The shared database is untouched.
    expect((await get(`${server.url}/health`)).status).toBe(200);
  });
});

describe('API docs', () => {
  it('GET /docs/json is an OpenAPI document listing every public endpoint', async () => {
    const docs = await get(`${server.url}/docs/json`);
    expect(docs.status).toBe(200);
    expect(docs.body.openapi).toMatch(/^3\./);
    const paths = Object.keys(docs.body.paths);
    for (const path of [
      '/oidc/token',
      '/cis/oidc/token',
      '/cis/oidc/jwks',
      '/cis/oidc/.well-known/openid-configuration',
      '/cis/v1/auth/link/email/send',
      '/cis/v1/auth/link/email/authenticate',
      '/cis/v1/auth/link/email/redirect',
      '/cis/v1/users',
      '/cis/v1/users/{user_id}',
      '/cis/v1/users/email/{email}',
      '/cis/v1/users/phone-number/{phone_number}',
      '/cis/v1/users/username/{username}',
      '/cis/v1/users/{user_id}/password',
      '/cis/v1/auth/password/authenticate',
      '/cis/v1/auth/totp/register',
      '/cis/v1/auth/totp/authenticate',
      '/admin/v1/credentials/{id}',
      '/admin/v1/tenants',
      '/admin/v1/applications',
      '/admin/v1/applications/{app_id}',
      '/admin/v1/applications/{app_id}/rotate-secret',
      '/health',
    ]) {
      expect(paths, path).toContain(path);
    }
    expect(Object.keys(docs.body.paths['/admin/v1/applications/{app_id}']).sort()).toEqual(['get', 'patch']);
    expect(docs.body.paths['/cis/v1/auth/link/email/send'].post.security).toEqual([{ ClientAccessToken: [] }]);
    expect(docs.body.components.securitySchemes).toMatchObject({ ClientAccessToken: { type: 'http', scheme: 'bearer' } });
  });

  it('GET /docs serves HTML', async () => {
    const response = await fetch(`${server.url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toMatch(/<html/i);
  });
});

describe('GET /dev/outbox', () => {
  it('lists the messages newest first with the documented fields, and filters with ?to=', async () => {
    const first = 'first@example.com';
    const second = 'second@example.com';
    await newUser(client, first);
    await newUser(client, second);
    const sentAt: number[] = [];
    for (const email of [first, second, first]) {
      // Move the clock between sends so "newest first" is a fact, not a tie.
      server.clock.advance(1000);
      sentAt.push(server.clock.now());
      const sent = await client.call('POST', SEND, { email, redirect_uri: REDIRECT });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      expect(sent.body).toEqual({ message: 'Email sent successfully' });
    }

    const all = await get(`${server.url}/dev/outbox`);
    expect(all.status).toBe(200);
    expect(all.body.length).toBeGreaterThanOrEqual(3);
    const [newest, middle, oldest] = all.body;
    for (const message of [newest, middle, oldest]) {
      expect(Object.keys(message).sort()).toEqual(['channel', 'created_at', 'html', 'id', 'subject', 'text', 'to']);
      expect(message).toMatchObject({ id: expect.any(String), channel: 'email', subject: expect.any(String), text: expect.any(String), html: expect.any(String) });
      expect(message.text).toContain(`${server.config.publicUrl}/cis/v1/auth/link/email/redirect?token=`);
    }
    expect([newest.to, middle.to, oldest.to]).toEqual([first, second, first]);
    expect([newest.created_at, middle.created_at, oldest.created_at]).toEqual([sentAt[2], sentAt[1], sentAt[0]].map((at) => new Date(at ?? 0).toISOString()));

    const filtered = await get(`${server.url}/dev/outbox?to=${encodeURIComponent(first)}`);
    expect(filtered.status).toBe(200);
    expect(filtered.body.map((message: { id: string }) => message.id)).toEqual([newest.id, oldest.id]);
    expect((await get(`${server.url}/dev/outbox?to=nobody%40example.com`)).body).toEqual([]);
  });

  it('a direct-channel send puts nothing in the outbox', async () => {
    const email = 'direct@example.com';
    await newUser(client, email);
    const direct = await client.call('POST', SEND, { email, redirect_uri: REDIRECT, channel: 'direct' });
    expect(direct.status).toBe(200);
    expect((await get(`${server.url}/dev/outbox?to=${encodeURIComponent(email)}`)).body).toEqual([]);
  });

  it('does not exist in production', async () => {
    const production = await startTestServer({ databaseUrl: db.url, env: { NODE_ENV: 'production' } });
    try {
      const outbox = await get(`${production.url}/dev/outbox`);
      expect(outbox.status).toBe(404);
      expect(outbox.body).toEqual({ message: 'Not found', error_code: 404 });
    } finally {
      await production.close();
    }
  });
});

describe('the log', () => {
  it('holds no secret: client secret and token, admin token, code, session_id, refresh/access/id tokens', async () => {
    const lines: string[] = [];
    const logged = await startTestServer({ databaseUrl: db.url, env: { LOG_LEVEL: 'trace' }, logStream: { write: (line) => void lines.push(line) } });
    let secrets: Record<string, string>;
    try {
      const app = await logged.createApp({ name: 'Logged', redirectUris: [REDIRECT] });
      const clientToken = await app.token();
      const email = 'logged@example.com';
      await newUser(app, email);

      // An emailed link (to the outbox) and a direct one; follow the direct one and log in.
      expect((await app.call('POST', SEND, { email, redirect_uri: REDIRECT, state: 'csrf-state' })).status).toBe(200);
      const sent = await app.call('POST', SEND, { email, redirect_uri: REDIRECT, channel: 'direct' });
      expect(sent.status).toBe(200);
      const followed = await fetch(sent.body.link, { redirect: 'manual' });
      expect(followed.status).toBe(302);
      const code = new URL(followed.headers.get('location') ?? '').searchParams.get('code') ?? '';
      expect(code).not.toBe('');

      // Refusals are logged too: a wrong session, then the login, then a replay.
      expect((await app.call('POST', AUTHENTICATE, { code, session_id: 'not-a-session' })).status).toBe(400);
      const tokens = await app.call('POST', AUTHENTICATE, { code });
      expect(tokens.status).toBe(200);
      expect((await app.call('POST', AUTHENTICATE, { code, session_id: tokens.body.session_id })).status).toBe(400);

      // A client-token call, with the token in the Authorization header.
      expect((await app.call('GET', `/cis/v1/users/email/${encodeURIComponent(email)}`)).status).toBe(200);
      // A failed client authentication carries the secret in the body.
      const failed = await fetch(`${logged.url}/oidc/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: `${app.clientSecret}-wrong` }),
      });
      expect(failed.status).toBe(400);

      // A password set, refused by the rules, mistyped, and used; an authenticator registered.
      const password = 'Logged-Horse-42-battery';
      const withPassword = await app.call('POST', '/cis/v1/users', { username: 'logged-pwd', credentials: { password, force_replace: false } });
      expect(withPassword.status).toBe(201);
      expect((await app.call('PUT', `/cis/v1/users/${withPassword.body.result.user_id}/password`, { password: 'weak-but-secret' })).status).toBe(400);
      expect((await app.call('POST', '/cis/v1/auth/password/authenticate', { username: 'logged-pwd', password: `${password}-typo` })).status).toBe(400);
      const pwdTokens = await app.call('POST', '/cis/v1/auth/password/authenticate', { username: 'logged-pwd', password });
      expect(pwdTokens.status).toBe(200);
      const registered = await fetch(`${logged.url}/cis/v1/auth/totp/register`, {
        method: 'POST',
        headers: { authorization: `Bearer ${pwdTokens.body.access_token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(registered.status).toBe(201);
      const seed = ((await registered.json()) as { secret: string }).secret;

      secrets = {
        password,
        mistyped_password: `${password}-typo`,
        refused_password: 'weak-but-secret',
        totp_seed: seed,
        client_secret: app.clientSecret,
        client_token: clientToken,
        admin_token: logged.config.adminToken ?? '',
        code,
        link: sent.body.link,
        session_id: tokens.body.session_id,
        refresh_token: tokens.body.refresh_token,
        access_token: tokens.body.access_token,
        id_token: tokens.body.id_token,
      };
    } finally {
      await logged.close();
    }

    const log = lines.join('');
    // The log is really captured, at trace level, and covers these requests.
    expect(lines.length).toBeGreaterThan(5);
    expect(log).toContain('/cis/v1/auth/link/email/authenticate');
    expect(log).toContain('/oidc/token');
    for (const [name, secret] of Object.entries(secrets)) {
      expect(secret.length, name).toBeGreaterThan(10);
      expect(log.includes(secret), `the log contains the ${name}`).toBe(false);
    }
  });
});
