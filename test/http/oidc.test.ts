import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { type Answer, answer, client, RESOURCE, server, useOidcFixture, verifyClientToken } from '../helpers/oidc-fixture.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// The client-credentials token endpoint (mosaic-backend-api.md §1.3), the client token it issues
// (§4.3), and its rate limit (keystate-server.md §5 item 24). Discovery, the JWKS and the signing
// keys: oidc-keys.test.ts.

const HOUR = 3_600_000;

useOidcFixture();

/** client_secret_post, form-urlencoded (the documented form). */
function postForm(path: string, fields: Record<string, string>, base = server.url): Promise<Answer> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  }).then(answer);
}

/** client_secret_basic (RFC 6749 §2.3.1: both parts form-urlencoded before base64). */
function postBasic(path: string, clientId: string, clientSecret: string, fields: Record<string, string> = { grant_type: 'client_credentials' }): Promise<Answer> {
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
    body: new URLSearchParams(fields),
  }).then(answer);
}

const credentials = (c: TestClient, extra: Record<string, string> = {}) => ({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret, ...extra });

function expectTokenResponse(response: Answer): void {
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  expect(Object.keys(response.body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
  expect(response.body.token_type).toBe('Bearer');
  expect(response.body.expires_in).toBe(3600);
  expect(typeof response.body.scope).toBe('string');
  expect(response.headers.get('cache-control')).toBe('no-store');
}

function expectOAuthError(response: Answer, error: string): void {
  expect(response.status).toBe(400);
  expect(response.body).toMatchObject({ message: expect.any(String), error_code: 400, error });
  expect(JSON.stringify(response.body)).not.toContain(client.clientSecret);
}

describe('POST /oidc/token and /cis/oidc/token', () => {
  for (const path of ['/oidc/token', '/cis/oidc/token']) {
    it(`${path}: client_secret_post (form-urlencoded) issues a client token`, async () => {
      expectTokenResponse(await postForm(path, credentials(client)));
    });

    it(`${path}: HTTP Basic issues a client token`, async () => {
      expectTokenResponse(await postBasic(path, client.clientId, client.clientSecret));
    });

    it(`${path}: a JSON body is accepted too`, async () => {
      const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials(client)) });
      expectTokenResponse(await answer(response));
    });
  }

  it('the token is a JWT with kid, verifiable against the JWKS, with the claims of §4.3', async () => {
    const response = await postForm('/oidc/token', credentials(client));
    const token: string = response.body.access_token;
    const { payload, protectedHeader } = await verifyClientToken(server, token);
    expect(protectedHeader.alg).toBe('RS256');
    expect(protectedHeader.kid).toBeTruthy();
    expect(payload).toMatchObject({
      sub: client.clientId,
      client_id: client.clientId,
      app_id: client.appId,
      app_name: 'Shop',
      tid: client.tenantId,
      aud: 'userid-api',
      iss: server.config.issuer,
      iat: Math.floor(server.clock.now() / 1000),
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
    expect(payload.scope).toBe(response.body.scope);
    expect(payload.jti).toBeTruthy();
    const jwks = (await answer(await fetch(`${server.url}/cis/oidc/jwks`))).body;
    expect(jwks.keys.map((key: { kid: string }) => key.kid)).toContain(protectedHeader.kid);
    for (const key of jwks.keys) expect(key.d).toBeUndefined();
  });

  it('a resource on the app’s list becomes aud; one that is not is 400', async () => {
    const withResource = await postForm('/oidc/token', credentials(client, { resource: RESOURCE }));
    expectTokenResponse(withResource);
    const { payload } = await verifyClientToken(server, withResource.body.access_token, RESOURCE);
    expect(payload.aud).toBe(RESOURCE);

    const other = await postForm('/oidc/token', credentials(client, { resource: 'https://elsewhere.example' }));
    expect(other.status).toBe(400);
    expect(other.body).toMatchObject({ message: expect.any(String), error_code: 400 });
    expect(other.body.access_token).toBeUndefined();
  });

  it('wrong secret, unknown client and missing credentials are 400 invalid_client', async () => {
    expectOAuthError(await postForm('/oidc/token', credentials(client, { client_secret: `${client.clientSecret}x` })), 'invalid_client');
    expectOAuthError(await postForm('/cis/oidc/token', credentials(client, { client_id: 'no-such-client' })), 'invalid_client');
    expectOAuthError(await postForm('/oidc/token', { grant_type: 'client_credentials' }), 'invalid_client');
    expectOAuthError(await postForm('/oidc/token', { grant_type: 'client_credentials', client_id: client.clientId }), 'invalid_client');
    expectOAuthError(await postBasic('/oidc/token', client.clientId, 'wrong-secret'), 'invalid_client');
    expectOAuthError(await postBasic('/oidc/token', 'no-such-client', client.clientSecret), 'invalid_client');
    // A Basic header that does not decode to id:secret.
    const malformed = await fetch(`${server.url}/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    expectOAuthError(await answer(malformed), 'invalid_client');
  });

  it('a body that is neither form-urlencoded nor JSON is 415', async () => {
    const response = await fetch(`${server.url}/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: new URLSearchParams(credentials(client)).toString(),
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({ message: expect.any(String), error_code: 415 });
  });

  it('a grant type other than client_credentials is 400 unsupported_grant_type', async () => {
    for (const grantType of ['authorization_code', 'password', 'refresh_token']) {
      expectOAuthError(await postForm('/oidc/token', credentials(client, { grant_type: grantType })), 'unsupported_grant_type');
    }
    const missing = await postForm('/oidc/token', { client_id: client.clientId, client_secret: client.clientSecret });
    expect(missing.status).toBe(400);
    expect(missing.body.error_code).toBe(400);
  });

  it('a rotated secret stops the old one working; the new one works', async () => {
    const app = await server.createApp({ name: 'Rotating' });
    expectTokenResponse(await postForm('/oidc/token', credentials(app)));
    const rotated = await fetch(`${server.url}/admin/v1/applications/${app.appId}/rotate-secret`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.config.adminToken}` },
    }).then(answer);
    expect(rotated.status).toBe(200);
    expect(Object.keys(rotated.body)).toEqual(['client_secret']);
    const newSecret: string = rotated.body.client_secret;
    expect(newSecret).not.toBe(app.clientSecret);

    expectOAuthError(await postForm('/oidc/token', credentials(app)), 'invalid_client');
    expectOAuthError(await postBasic('/oidc/token', app.clientId, app.clientSecret), 'invalid_client');
    expectTokenResponse(await postForm('/oidc/token', credentials(app, { client_secret: newSecret })));
    expectTokenResponse(await postBasic('/cis/oidc/token', app.clientId, newSecret));
  });

  it('the client token works for an hour and not a second longer', async () => {
    const app = await server.createApp({ name: 'Hourly' });
    const created = await app.call('POST', '/cis/v1/users', { email: 'hourly@example.com' });
    expect(created.status).toBe(201);
    const lookup = `/cis/v1/users/${created.body.result.user_id}`;
    try {
      server.clock.advance(HOUR - 1000);
      expect((await app.call('GET', lookup)).status).toBe(200);
      server.clock.advance(1000);
      const expired = await app.call('GET', lookup);
      expect(expired.status).toBe(401);
      expect(expired.body).toEqual({ message: 'Invalid token', error_code: 401 });
    } finally {
      server.clock.advance(-HOUR);
    }
    // Not refreshable: a new token is simply requested (§1.3).
    const fresh = await app.token();
    const response = await fetch(`${server.url}${lookup}`, { headers: { authorization: `Bearer ${fresh}` } });
    expect(response.status).toBe(200);
  });
});

describe('rate limit on the token endpoint', () => {
  let limited: TestServer;
  let limitedDb: TestDatabase;

  beforeAll(async () => {
    limitedDb = await freshDatabase();
    limited = await startTestServer({ databaseUrl: limitedDb.url, env: { RATE_LIMIT_CLIENT_TOKEN_MAX: '3' } });
  });

  afterAll(async () => {
    await limited?.close();
    await limitedDb?.drop();
  });

  it('after RATE_LIMIT_CLIENT_TOKEN_MAX calls the next is 429 with Retry-After; other clients are unaffected', async () => {
    const app = await limited.createApp({ name: 'Busy' });
    const other = await limited.createApp({ name: 'Quiet' });
    for (let i = 0; i < 3; i++) expectTokenResponse(await postForm('/oidc/token', credentials(app), limited.url));
    const refused = await postForm('/oidc/token', credentials(app), limited.url);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ message: 'Too many requests', error_code: 429 });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expectTokenResponse(await postForm('/oidc/token', credentials(other), limited.url));
  });

  it('the limit is per client, not per path: /cis/oidc/token shares the count of /oidc/token', async () => {
    const app = await limited.createApp({ name: 'Two doors' });
    for (let i = 0; i < 3; i++) expectTokenResponse(await postForm(i % 2 === 0 ? '/oidc/token' : '/cis/oidc/token', credentials(app), limited.url));
    expect((await postForm('/cis/oidc/token', credentials(app), limited.url)).status).toBe(429);
    expect((await postForm('/oidc/token', credentials(app), limited.url)).status).toBe(429);
  });
});
