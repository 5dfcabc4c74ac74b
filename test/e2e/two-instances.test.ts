import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { manualClock } from '../helpers/clock.js';
import { startTestServer, clientFor, type TestServer } from '../helpers/test-server.js';

// Two server instances on one database (PostgreSQL in CI's second run, a shared SQLite file in
// the first): a flow started on one instance is finished on the other, because everything a flow
// needs (snapshot, challenge hash, signing and HMAC keys) lives in the database.

let db: TestDatabase;
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  const clock = manualClock();
  a = await startTestServer({ databaseUrl: db.url, clock, listen: true });
  b = await startTestServer({ databaseUrl: db.url, clock, listen: true });
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
});

async function directCode(server: TestServer, app: { appId: string; tenantId: string; clientId: string; clientSecret: string }, email: string) {
  const client = clientFor(server.url, { app_id: app.appId, tenant_id: app.tenantId, client_id: app.clientId, client_secret: app.clientSecret });
  const sent = await client.call('POST', '/cis/v1/auth/link/email/send', { email, redirect_uri: 'https://app.example/verify', channel: 'direct' });
  expect(sent.status).toBe(200);
  const location = (await fetch(sent.body.link, { redirect: 'manual' })).headers.get('location') ?? '';
  return new URL(location).searchParams.get('code');
}

describe('two instances, one database', () => {
  it('agree on signing keys and secrets: a client token from one works on the other', async () => {
    const jwksA = await (await fetch(`${a.url}/cis/oidc/jwks`)).json();
    const jwksB = await (await fetch(`${b.url}/cis/oidc/jwks`)).json();
    expect(jwksB).toEqual(jwksA);
    const app = await a.createApp();
    const onB = clientFor(b.url, { app_id: app.appId, tenant_id: app.tenantId, client_id: app.clientId, client_secret: app.clientSecret });
    expect((await onB.call('POST', '/cis/v1/users', { email: 'shared@example.com' })).status).toBe(201);
  });

  it('a magic link sent through one instance is redeemed through the other', async () => {
    const app = await a.createApp();
    const onA = clientFor(a.url, { app_id: app.appId, tenant_id: app.tenantId, client_id: app.clientId, client_secret: app.clientSecret });
    const onB = clientFor(b.url, { app_id: app.appId, tenant_id: app.tenantId, client_id: app.clientId, client_secret: app.clientSecret });
    expect((await onA.call('POST', '/cis/v1/users', { email: 'roamer@example.com' })).status).toBe(201);
    const code = await directCode(a, app, 'roamer@example.com');
    const tokens = await onB.call('POST', '/cis/v1/auth/link/email/authenticate', { code });
    expect(tokens.status).toBe(200);
    // …and the session it made is usable from instance A for the next authentication.
    const again = await directCode(a, app, 'roamer@example.com');
    const stepUp = await onA.call('POST', '/cis/v1/auth/link/email/authenticate', { code: again, session_id: tokens.body.session_id });
    expect(stepUp.status).toBe(200);
    expect(stepUp.body.session_id).toBe(tokens.body.session_id);
  });

  it('the same code sent to both instances at once: exactly one 200', async () => {
    const app = await a.createApp();
    const onA = clientFor(a.url, { app_id: app.appId, tenant_id: app.tenantId, client_id: app.clientId, client_secret: app.clientSecret });
    const onB = clientFor(b.url, { app_id: app.appId, tenant_id: app.tenantId, client_id: app.clientId, client_secret: app.clientSecret });
    expect((await onA.call('POST', '/cis/v1/users', { email: 'racer@example.com' })).status).toBe(201);
    for (let round = 0; round < 3; round++) {
      const code = await directCode(a, app, 'racer@example.com');
      const results = await Promise.all([
        onA.call('POST', '/cis/v1/auth/link/email/authenticate', { code }),
        onB.call('POST', '/cis/v1/auth/link/email/authenticate', { code }),
        onA.call('POST', '/cis/v1/auth/link/email/authenticate', { code }),
        onB.call('POST', '/cis/v1/auth/link/email/authenticate', { code }),
      ]);
      expect(results.map((result) => result.status).sort()).toEqual([200, 400, 400, 400]);
    }
  });
});
