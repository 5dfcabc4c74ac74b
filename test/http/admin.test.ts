import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// The operator's API (keystate-server.md §4): tenants, applications and their clients, behind
// KEYSTATE_ADMIN_TOKEN.

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  // This file sends many wrong admin tokens on purpose; the limit on them has its own test (issue-15-admin-token-limit).
  server = await startTestServer({ databaseUrl: db.url, env: { RATE_LIMIT_ADMIN_AUTH_MAX: '1000' } });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

type Answer = { status: number; body: any };

async function adminCall(method: string, path: string, body?: unknown, token: string | null = server.config.adminToken, base = server.url): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : JSON.parse(text) };
}

const newApp = (body: Record<string, unknown> = {}) => adminCall('POST', '/admin/v1/applications', { name: 'Shop', redirect_uris: ['https://shop.example/verify'], ...body });

async function tokenStatus(clientId: string, clientSecret: string): Promise<number> {
  const response = await fetch(`${server.url}/oidc/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
  });
  return response.status;
}

describe('admin authentication', () => {
  it('no token, a wrong token or another scheme is 401, on every admin route', async () => {
    const calls: Array<[string, string, unknown?]> = [
      ['POST', '/admin/v1/tenants', { name: 'nope' }],
      ['POST', '/admin/v1/applications', { name: 'nope', redirect_uris: [] }],
      ['GET', '/admin/v1/applications/whatever'],
      ['PATCH', '/admin/v1/applications/whatever', { name: 'x' }],
      ['POST', '/admin/v1/applications/whatever/rotate-secret'],
    ];
    for (const [method, path, body] of calls) {
      for (const token of [null, 'wrong-admin-token-0123456789', `${server.config.adminToken}x`]) {
        const refused = await adminCall(method, path, body, token);
        expect(refused.status, `${method} ${path} with ${token}`).toBe(401);
        expect(refused.body).toEqual({ message: 'Invalid admin token', error_code: 401 });
      }
    }
    const basic = await fetch(`${server.url}/admin/v1/applications/whatever`, { headers: { authorization: `Basic ${Buffer.from(`admin:${server.config.adminToken}`).toString('base64')}` } });
    expect(basic.status).toBe(401);
    expect(await db.storage.db.tenant.count({ where: { name: 'nope' } })).toBe(0);
  });

  it('a client access token is not an admin token', async () => {
    const client = await server.createApp({ name: 'Not an admin' });
    const refused = await adminCall('POST', '/admin/v1/tenants', { name: 'client-made' }, await client.token());
    expect(refused.status).toBe(401);
  });

  it('with no KEYSTATE_ADMIN_TOKEN configured, the admin API answers 401 to everything', async () => {
    const closed = await startTestServer({ databaseUrl: db.url, env: { KEYSTATE_ADMIN_TOKEN: '' } });
    try {
      expect(closed.config.adminToken).toBeNull();
      for (const token of [null, 'null', server.config.adminToken ?? '']) {
        expect((await adminCall('POST', '/admin/v1/tenants', { name: 'unguarded' }, token, closed.url)).status).toBe(401);
      }
    } finally {
      await closed.close();
    }
  });
});

describe('tenants', () => {
  it('POST /admin/v1/tenants → 201 { tenant_id, name }; a duplicate name is 409', async () => {
    const created = await adminCall('POST', '/admin/v1/tenants', { name: 'Acme' });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(['name', 'tenant_id']);
    expect(created.body.name).toBe('Acme');
    expect(created.body.tenant_id).toMatch(/^[A-Za-z0-9_-]{21}$/);

    const duplicate = await adminCall('POST', '/admin/v1/tenants', { name: 'Acme' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toEqual({ message: expect.any(String), error_code: 409 });
    expect(await db.storage.db.tenant.count({ where: { name: 'Acme' } })).toBe(1);
  });

  it('the default tenant exists from the first start', async () => {
    expect((await adminCall('POST', '/admin/v1/tenants', { name: 'default' })).status).toBe(409);
  });

  it('refuses a missing or empty name and unknown fields with 400', async () => {
    for (const body of [{}, { name: '' }, { name: 'X', region: 'eu' }, { name: 5 }]) {
      const refused = await adminCall('POST', '/admin/v1/tenants', body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body).toMatchObject({ message: expect.any(Array), error_code: 400 });
    }
  });
});

describe('applications', () => {
  it('POST /admin/v1/applications → 201 with the client credentials; the secret works and is stored hashed only', async () => {
    const created = await newApp({ resources: ['https://api.shop.example'] });
    expect(created.status).toBe(201);
    const app = created.body;
    expect(app).toMatchObject({
      app_id: expect.any(String),
      tenant_id: expect.any(String),
      name: 'Shop',
      client_id: expect.any(String),
      client_secret: expect.any(String),
      redirect_uris: ['https://shop.example/verify'],
      resources: ['https://api.shop.example'],
    });
    const defaultTenant = await db.storage.db.tenant.findUniqueOrThrow({ where: { name: 'default' } });
    expect(app.tenant_id).toBe(defaultTenant.id);
    expect(app.client_secret.length).toBeGreaterThanOrEqual(22);

    expect(await tokenStatus(app.client_id, app.client_secret)).toBe(200);

    const row = await db.storage.db.app.findUniqueOrThrow({ where: { id: app.app_id } });
    expect(row.clientId).toBe(app.client_id);
    expect(row.clientSecretHash).not.toBe(app.client_secret);
    expect(JSON.stringify(row)).not.toContain(app.client_secret);
  });

  it('creates an app in a named tenant; an unknown tenant_id is 404 and creates nothing', async () => {
    const tenantId = (await adminCall('POST', '/admin/v1/tenants', { name: 'Globex' })).body.tenant_id;
    const created = await newApp({ tenant_id: tenantId, name: 'Globex app' });
    expect(created.status).toBe(201);
    expect(created.body.tenant_id).toBe(tenantId);

    const before = await db.storage.db.app.count();
    const unknown = await newApp({ tenant_id: 'no-such-tenant' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ message: 'Tenant not found', error_code: 404 });
    expect(await db.storage.db.app.count()).toBe(before);
  });

  it('refuses invalid application bodies with 400 and a message list', async () => {
    const bodies = [
      { name: 'No URIs' },
      { redirect_uris: [] },
      { name: 'Bad URI', redirect_uris: ['not a uri'] },
      { name: 'Bad type', redirect_uris: 'https://shop.example/verify' },
      { name: 'Extra', redirect_uris: [], client_secret: 'chosen' },
    ];
    for (const body of bodies) {
      const refused = await adminCall('POST', '/admin/v1/applications', body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body).toMatchObject({ message: expect.any(Array), error_code: 400 });
    }
  });

  it('GET returns the app without its secret; PATCH changes redirect_uris and keeps the rest', async () => {
    const app = (await newApp({ name: 'Editable', resources: ['https://r.example'] })).body;
    const fetched = await adminCall('GET', `/admin/v1/applications/${app.app_id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toMatchObject({
      app_id: app.app_id,
      tenant_id: app.tenant_id,
      name: 'Editable',
      client_id: app.client_id,
      redirect_uris: app.redirect_uris,
      resources: ['https://r.example'],
    });
    expect(fetched.body.client_secret).toBeUndefined();
    expect(JSON.stringify(fetched.body)).not.toContain(app.client_secret);

    const patched = await adminCall('PATCH', `/admin/v1/applications/${app.app_id}`, { redirect_uris: ['https://shop.example/new', 'https://shop.example/other'] });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ app_id: app.app_id, name: 'Editable', redirect_uris: ['https://shop.example/new', 'https://shop.example/other'], resources: ['https://r.example'] });
    expect(patched.body.client_secret).toBeUndefined();
    const again = await adminCall('GET', `/admin/v1/applications/${app.app_id}`);
    expect(again.body.redirect_uris).toEqual(['https://shop.example/new', 'https://shop.example/other']);
    // The credentials are untouched by a PATCH.
    expect(await tokenStatus(app.client_id, app.client_secret)).toBe(200);
  });

  it('PATCH cannot move an app to another tenant (tenant_id is 400) and changes nothing then', async () => {
    const app = (await newApp({ name: 'Stays' })).body;
    const tenantId = (await adminCall('POST', '/admin/v1/tenants', { name: 'Elsewhere' })).body.tenant_id;
    const refused = await adminCall('PATCH', `/admin/v1/applications/${app.app_id}`, { tenant_id: tenantId, name: 'Moved' });
    expect(refused.status).toBe(400);
    expect(refused.body.error_code).toBe(400);
    expect(refused.body.message).toEqual([expect.stringContaining('tenant_id')]);
    const after = await adminCall('GET', `/admin/v1/applications/${app.app_id}`);
    expect(after.body).toMatchObject({ tenant_id: app.tenant_id, name: 'Stays' });
  });

  it('an unknown app is 404 App not found for GET, PATCH and rotate-secret', async () => {
    for (const [method, path, body] of [
      ['GET', '/admin/v1/applications/no-such-app', undefined],
      ['PATCH', '/admin/v1/applications/no-such-app', { name: 'x' }],
      ['POST', '/admin/v1/applications/no-such-app/rotate-secret', undefined],
    ] as const) {
      const missing = await adminCall(method, path, body);
      expect(missing.status, `${method} ${path}`).toBe(404);
      expect(missing.body).toEqual({ message: 'App not found', error_code: 404 });
    }
  });

  it('rotate-secret returns a new secret shown once; only the new one works', async () => {
    const app = (await newApp({ name: 'Rotated' })).body;
    const rotated = await adminCall('POST', `/admin/v1/applications/${app.app_id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(Object.keys(rotated.body)).toEqual(['client_secret']);
    expect(await tokenStatus(app.client_id, app.client_secret)).toBe(400);
    expect(await tokenStatus(app.client_id, rotated.body.client_secret)).toBe(200);
    const row = await db.storage.db.app.findUniqueOrThrow({ where: { id: app.app_id } });
    expect(JSON.stringify(row)).not.toContain(rotated.body.client_secret);
  });
});
