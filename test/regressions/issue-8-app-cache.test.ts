import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { clientFor, startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// Issue 8 §6: the caller's app comes from a cache keyed by the client token's claims, invalidated
// by admin changes on every instance: at once where the change was made, at the next revision check
// (APP_REFRESH_MS) on the others. A client token newer than the cached app reloads it at once.

let db: TestDatabase;
let first: TestServer;
let second: TestServer;
const statements: string[] = [];

beforeAll(async () => {
  db = await freshDatabase();
  const clock = manualClock();
  first = await startTestServer({ databaseUrl: db.url, clock, observe: (sql) => void statements.push(sql) });
  second = await startTestServer({ databaseUrl: db.url, clock });
});

afterAll(async () => {
  await first?.close();
  await second?.close();
  await db?.drop();
});

const on = (server: TestServer, app: TestClient) => clientFor(server.url, { app_id: app.appId, tenant_id: app.tenantId, client_id: app.clientId, client_secret: app.clientSecret });
const admin = (server: TestServer, method: string, path: string, body?: unknown) =>
  fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.config.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const sendLink = (client: TestClient, redirectUri: string) =>
  client.call('POST', '/cis/v1/auth/link/email/send', { email: 'cache@example.com', redirect_uri: redirectUri, channel: 'direct' }).then((response) => response.status);

describe('issue 8: the cache of callers’ apps', () => {
  it('reads the app once per instance, not once per request', async () => {
    const app = on(first, await first.createApp({ name: 'Cached' }));
    await app.call('GET', '/cis/v1/users/nobody');
    statements.length = 0;
    for (let i = 0; i < 3; i++) expect((await app.call('GET', '/cis/v1/users/nobody')).status).toBe(404);
    expect(statements.filter((sql) => /FROM\s+`?"?(main`?\.`?)?app/i.test(sql) && !/user_app/i.test(sql))).toEqual([]);
  });

  it('an admin change applies at once on the instance that made it, and on the other after its revision check', async () => {
    const created = await first.createApp({ name: 'Changing', redirectUris: ['https://app.example/old'] });
    const [onFirst, onSecond] = [on(first, created), on(second, created)];
    expect((await onFirst.call('POST', '/cis/v1/users', { email: 'cache@example.com' })).status).toBe(201);
    expect([await sendLink(onFirst, 'https://app.example/old'), await sendLink(onSecond, 'https://app.example/old')]).toEqual([200, 200]);
    const patched = await admin(second, 'PATCH', `/admin/v1/applications/${created.appId}`, { redirect_uris: ['https://app.example/new'] });
    expect(patched.status).toBe(200);
    expect(await sendLink(onSecond, 'https://app.example/new')).toBe(200);
    expect(await sendLink(onSecond, 'https://app.example/old')).toBe(400);
    await first.boot.apps.refresh();
    expect(await sendLink(onFirst, 'https://app.example/new')).toBe(200);
    expect(await sendLink(onFirst, 'https://app.example/old')).toBe(400);
  });

  it('a client token issued after a secret rotation works at once on an instance that cached the app before it', async () => {
    const created = await first.createApp({ name: 'Rotating' });
    expect((await on(first, created).call('GET', '/cis/v1/users/nobody')).status).toBe(404);
    const rotated = (await (await admin(second, 'POST', `/admin/v1/applications/${created.appId}/rotate-secret`)).json()) as { client_secret: string };
    const renewed = clientFor(first.url, { app_id: created.appId, tenant_id: created.tenantId, client_id: created.clientId, client_secret: rotated.client_secret });
    expect((await renewed.call('GET', '/cis/v1/users/nobody')).status).toBe(404);
  });

  it('reading an unchanged revision keeps the cache', async () => {
    await first.boot.apps.refresh();
    const app = on(first, await first.createApp({ name: 'Kept' }));
    await app.call('GET', '/cis/v1/users/nobody');
    const cached = first.boot.apps.cache.size;
    await first.boot.apps.refresh();
    expect(first.boot.apps.cache.size).toBe(cached);
    expect(cached).toBeGreaterThan(0);
  });
});
