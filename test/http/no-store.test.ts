import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mustNotBeStored } from '../../src/http/no-store.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { rawExchange } from '../helpers/raw-http.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// Every response that can carry a token, a code, a client secret or a login link says
// `Cache-Control: no-store`, success and error alike, route family by route family; the public
// keys and the discovery document stay cacheable.

const REDIRECT = 'https://app.example/verify';
const EMAIL = 'cached@example.com';

let db: TestDatabase;
let server: TestServer;
let client: TestClient;
let userId: string;
const admin = () => ({ authorization: `Bearer ${server.config.adminToken}`, 'content-type': 'application/json' });

beforeAll(async () => {
  db = await freshDatabase();
  // Listening: one test sends raw bytes (a malformed URL, an absolute-form request) that only
  // Node's HTTP parser sees.
  server = await startTestServer({ databaseUrl: db.url, listen: true });
  client = await server.createApp({ redirectUris: [REDIRECT] });
  const created = await client.call('POST', '/cis/v1/users', { email: EMAIL });
  expect(created.status).toBe(201);
  userId = created.body.result.user_id;
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

function expectNoStore(answer: { status: number; headers: Headers }, status: number, what: string): void {
  expect(answer.status, what).toBe(status);
  expect(answer.headers.get('cache-control'), what).toBe('no-store');
}

describe('Cache-Control: no-store', () => {
  it('on the token endpoints, issued and refused', async () => {
    for (const path of ['/oidc/token', '/cis/oidc/token']) {
      const form = (secret: string) => new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: secret });
      expectNoStore(await fetch(`${server.url}${path}`, { method: 'POST', body: form(client.clientSecret) }), 200, `${path} issued`);
      expectNoStore(await fetch(`${server.url}${path}`, { method: 'POST', body: form('wrong') }), 400, `${path} refused`);
    }
  });

  it('on /cis/v1: links, codes, tokens and sessions, and every refusal', async () => {
    const link = await client.call('POST', '/cis/v1/auth/link/email/send', { identifier: EMAIL, identifier_type: 'email', redirect_uri: REDIRECT, channel: 'direct' });
    expectNoStore(link, 200, 'magic link returned');
    const followed = await fetch(link.body.link, { redirect: 'manual' });
    expectNoStore(followed, 302, 'the emailed link, redirecting with the code');
    const code = new URL(followed.headers.get('location') ?? '').searchParams.get('code');
    const tokens = await client.call('POST', '/cis/v1/auth/link/email/authenticate', { code });
    expectNoStore(tokens, 200, 'tokens');
    expectNoStore(await client.call('POST', '/cis/v1/auth/token/refresh', { refresh_token: tokens.body.refresh_token }), 200, 'refreshed tokens');
    expectNoStore(await client.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'email', identifier: EMAIL }), 200, 'passcode returned');
    expectNoStore(await client.call('GET', `/cis/v1/users/email/${EMAIL}`), 200, 'user');
    expectNoStore(await client.call('GET', `/cis/v1/auth/users/${userId}/sessions`), 200, 'sessions');
    expectNoStore(await client.call('POST', '/cis/v1/auth/session/logout', { session_id: tokens.body.session_id }), 204, 'logout');

    expectNoStore(await fetch(`${server.url}/cis/v1/users/email/${EMAIL}`), 401, 'no client token');
    expectNoStore(await client.call('POST', '/cis/v1/auth/link/email/authenticate', { code: 'nope' }), 400, 'bad code');
    expectNoStore(await client.call('POST', '/cis/v1/users', { unknown: 1 }), 400, 'validation');
    expectNoStore(await client.call('GET', '/cis/v1/users/email/nobody@example.com'), 404, 'unknown user');
    expectNoStore(await client.call('GET', '/cis/v1/no-such-route'), 404, 'unknown route');
    expectNoStore(await fetch(`${server.url}/cis/v1/auth/link/email/redirect?token=unknown`, { redirect: 'manual' }), 400, 'dead link');
    expectNoStore(await fetch(`${server.url}/cis/v1/users/email/${EMAIL}`, { method: 'HEAD', headers: { authorization: 'Bearer x' } }), 401, 'HEAD');
  });

  it('on /cis/v1 answers given before any route or hook ran, and in absolute-form requests', async () => {
    const token = await client.token();
    const badUrl = await rawExchange(server.url, `GET /cis/v1/users/%E0%A4%A HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n`);
    expect(badUrl.status).toBe(400);
    expect(badUrl.headers['cache-control']).toBe('no-store');
    const absolute = await rawExchange(server.url, `GET http://test/cis/v1/users/email/${EMAIL} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`);
    expect(absolute.status).toBe(200);
    expect(absolute.headers['cache-control']).toBe('no-store');
  });

  it('on the admin API (client secrets) and the dev outbox (codes and links)', async () => {
    const created = await fetch(`${server.url}/admin/v1/applications`, { method: 'POST', headers: admin(), body: JSON.stringify({ name: 'Secretive', redirect_uris: [REDIRECT] }) });
    expectNoStore(created, 201, 'app with its secret');
    const { app_id: appId } = (await created.json()) as { app_id: string };
    expectNoStore(await fetch(`${server.url}/admin/v1/applications/${appId}/rotate-secret`, { method: 'POST', headers: { authorization: admin().authorization } }), 200, 'rotated secret');
    expectNoStore(await fetch(`${server.url}/admin/v1/applications/${appId}`, { headers: admin() }), 200, 'app');
    expectNoStore(await fetch(`${server.url}/admin/v1/applications/${appId}`), 401, 'no admin token');
    expectNoStore(await fetch(`${server.url}/dev/outbox`), 200, 'outbox');
    expectNoStore(await fetch(`${server.url}/dev/outbox?limit=x`), 400, 'outbox refused');
  });

  it('not on the public keys and discovery, which stay cacheable', async () => {
    const jwks = await fetch(`${server.url}/cis/oidc/jwks`);
    expect(jwks.status).toBe(200);
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=300');
    const discovery = await fetch(`${server.url}/cis/oidc/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    expect(discovery.headers.get('cache-control') ?? '').not.toContain('no-store');
  });

  it('is decided by the path, whatever the query or request-target form', () => {
    for (const url of [
      '/cis/v1/users',
      '/cis/v1/x?y=1',
      '/oidc/token',
      '/oidc/token?x',
      '/cis/oidc/token',
      '/admin/v1/tenants',
      '/dev/outbox',
      '/dev/outbox?to=a',
      'http://h:1/cis/v1/users',
      'HTTPS://h/admin/v1',
      '/cis/v1/webauthn/client.js/',
      '/cis/v1/webauthn/other.js',
    ]) {
      expect(mustNotBeStored(url), url).toBe(true);
    }
    for (const url of [
      '/cis/oidc/jwks',
      '/cis/oidc/.well-known/openid-configuration',
      '/health',
      '/docs/json',
      '/oidc/tokens',
      '/x?/cis/v1/',
      'http://h/cis/oidc/jwks',
      '/cis/v1/webauthn/client.js',
      '/cis/v1/webauthn/client.js?v=1',
    ]) {
      expect(mustNotBeStored(url), url).toBe(false);
    }
  });
});
