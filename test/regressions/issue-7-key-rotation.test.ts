import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyPurgeStep } from '../../src/keys/purge-keys.js';
import { purge } from '../../src/maintenance/purge.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { clientFor, startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// Issue 7 §5: key rotation. A rotated-in key is published at once and signs (or hashes) two key
// refreshes later, when every instance knows it; the keys it replaces keep verifying until what they
// signed or hashed has expired, then leave. Rotating an app's client secret retires its client
// tokens at once, on every instance.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const REFRESH_SECONDS = 5;
const ACTIVATION = 2 * REFRESH_SECONDS * SECOND;

let db: TestDatabase;
let first: TestServer;
let second: TestServer;
let client: TestClient;

beforeAll(async () => {
  db = await freshDatabase();
  // One issuer for the fleet, as behind a load balancer.
  const env = { ISSUER: 'https://auth.keystate.test', KEY_REFRESH_SECONDS: String(REFRESH_SECONDS), RATE_LIMIT_CLIENT_TOKEN_MAX: '1000' };
  first = await startTestServer({ databaseUrl: db.url, env });
  second = await startTestServer({ databaseUrl: db.url, env, clock: first.clock });
  client = await first.createApp({ name: 'Rotation' });
});

afterAll(async () => {
  await second?.close();
  await first?.close();
  await db?.drop();
});

const admin = (server: TestServer, body?: object) =>
  fetch(`${server.url}/admin/v1/keys/rotate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.config.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }).then(async (response) => ({ status: response.status, body: (await response.json()) as Record<string, any> }));
const jwksKids = async (server: TestServer) => ((await (await fetch(`${server.url}/cis/oidc/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid);
const on = (server: TestServer, app: TestClient) => clientFor(server.url, { app_id: app.appId, tenant_id: app.tenantId, client_id: app.clientId, client_secret: app.clientSecret }, 'perCall');
const kidOf = (token: string) => decodeProtectedHeader(token).kid;

async function login(app: TestClient, email: string) {
  await app.call('POST', '/cis/v1/users', { email });
  const { code } = (await app.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'email', identifier: email })).body;
  return (await app.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: code, identifier_type: 'email', identifier: email })).body;
}

describe('issue 7: signing key rotation', () => {
  it('publishes the new key at once, signs with it after activation, and keeps the old one until its tokens expired', async () => {
    const oldToken = await client.token();
    const oldKid = kidOf(oldToken);
    const rotated = await admin(first, { kinds: ['signing'] });
    expect(rotated.status).toBe(200);
    const newKid = rotated.body.signing.kid as string;
    expect(rotated.body.signing.retiring).toEqual([oldKid]);
    expect(Date.parse(rotated.body.signing.activates_at)).toBe(first.clock.now() + ACTIVATION);
    expect(rotated.body.hmac).toBeUndefined();

    // Published at once; still the old key signs until every instance knows the new one.
    expect(await jwksKids(first)).toEqual(expect.arrayContaining([oldKid, newKid]));
    expect(kidOf(await client.token())).toBe(oldKid);

    first.clock.advance(ACTIVATION);
    const newToken = await client.token();
    expect(kidOf(newToken)).toBe(newKid);
    // The other instance has not re-read the keys yet: a token naming an unknown kid makes it do so.
    const onSecond = on(second, client);
    const headers = (token: string) => ({ authorization: `Bearer ${token}` });
    expect((await fetch(`${second.url}/cis/v1/users/${'nobody'}`, { headers: headers(newToken) })).status).toBe(404);
    expect(kidOf(await onSecond.token())).toBe(newKid);
    // The old key still verifies the tokens it signed, on both instances.
    for (const server of [first, second]) expect((await fetch(`${server.url}/cis/v1/users/nobody`, { headers: headers(oldToken) })).status).toBe(404);

    // Once every token it signed has expired (1 h, plus clock skew), it leaves the JWKS ...
    first.clock.advance(HOUR + 2 * MINUTE);
    await second.boot.keys.refresh();
    for (const server of [first, second]) expect(await jwksKids(server)).toEqual([newKid]);
    // ... and the purge deletes it.
    const purged = await purge(first.storage, first.clock.now(), first.config.retention, { extraSteps: [keyPurgeStep] });
    expect(purged.signingKeys).toBe(1);
    expect((await db.storage.db.signingKey.findMany()).map((key) => key.kid)).toEqual([newKid]);
  });
});

describe('issue 7: HMAC key rotation', () => {
  it('secrets hashed under the old key keep working; used ones are re-hashed; the old key leaves once nothing needs it', async () => {
    const app = await first.createApp({ name: 'Hashes' });
    const before = await login(app, 'hash-before@example.com');
    const pendingEmail = 'pending-hash@example.com';
    await app.call('POST', '/cis/v1/users', { email: pendingEmail });
    const pending = (await app.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'email', identifier: pendingEmail })).body.code;
    const oldKeyId = (await db.storage.db.app.findUniqueOrThrow({ where: { id: app.appId } })).clientSecretKeyId;

    const rotated = await admin(first, { kinds: ['hmac'] });
    expect(rotated.status).toBe(200);
    const newKeyId = rotated.body.hmac.key_id as string;
    expect(rotated.body.hmac.retiring).toContain(oldKeyId);
    first.clock.advance(ACTIVATION);
    await second.boot.keys.refresh();

    // New secrets are hashed with the new key; old ones still match.
    const after = await login(app, 'hash-after@example.com');
    expect(first.boot.keys.hasher.currentKeyId()).toBe(newKeyId);
    expect((await app.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: pending, identifier_type: 'email', identifier: pendingEmail })).status).toBe(200);
    expect((await on(second, app).call('POST', '/cis/v1/auth/session/authenticate', { session_id: before.session_id })).status).toBe(200);
    expect((await app.call('POST', '/cis/v1/auth/session/authenticate', { session_id: after.session_id })).status).toBe(200);
    expect((await app.call('POST', '/cis/v1/auth/token/refresh', { refresh_token: before.refresh_token })).status).toBe(200);
    // The client secret was re-hashed under the new key when it was presented.
    expect((await db.storage.db.app.findUniqueOrThrow({ where: { id: app.appId } })).clientSecretKeyId).toBe(newKeyId);

    // Two weeks on, the session is still in use (sliding expiry)...
    first.clock.advance(13 * DAY);
    expect((await on(first, app).call('POST', '/cis/v1/auth/session/authenticate', { session_id: before.session_id })).status).toBe(200);
    first.clock.advance(2 * DAY);
    // ...and an app that has not authenticated since the rotation still names the old key: it stays.
    const idle = await db.storage.db.app.findMany({ where: { clientSecretKeyId: oldKeyId } });
    expect(idle.length).toBeGreaterThan(0);
    const kept = await purge(first.storage, first.clock.now(), first.config.retention, { extraSteps: [keyPurgeStep] });
    expect(kept.hmacKeys).toBe(0);
    // Once no app names it (rotate the idle apps' secrets), it goes.
    for (const row of idle) {
      const response = await fetch(`${first.url}/admin/v1/applications/${row.id}/rotate-secret`, { method: 'POST', headers: { authorization: `Bearer ${first.config.adminToken}` } });
      expect(response.status).toBe(200);
    }
    const gone = await purge(first.storage, first.clock.now(), first.config.retention, { extraSteps: [keyPurgeStep] });
    expect(gone.hmacKeys).toBeGreaterThanOrEqual(1);
    expect((await db.storage.db.serverSecret.findMany()).map((key) => key.id)).toEqual([newKeyId]);
    await first.boot.keys.refresh();
    await second.boot.keys.refresh();
    // The session from before the rotation was re-hashed on use: it outlives the old key.
    expect((await on(second, app).call('POST', '/cis/v1/auth/session/authenticate', { session_id: before.session_id })).status).toBe(200);
  });
});

describe('issue 7: client secret rotation', () => {
  it('client tokens issued before a secret rotation stop working at once on the rotating instance, and on every other one at its next revision check', async () => {
    const app = await first.createApp({ name: 'Secret' });
    const token = await app.token();
    const call = (server: TestServer, bearer: string) => fetch(`${server.url}/cis/v1/users/nobody`, { headers: { authorization: `Bearer ${bearer}` } }).then((response) => response.status);
    expect([await call(first, token), await call(second, token)]).toEqual([404, 404]);
    const rotated = await fetch(`${second.url}/admin/v1/applications/${app.appId}/rotate-secret`, { method: 'POST', headers: { authorization: `Bearer ${second.config.adminToken}` } });
    const { client_secret: secret } = (await rotated.json()) as { client_secret: string };
    expect(await call(second, token)).toBe(401);
    // The first instance still holds the app in its cache until it reads the apps' revision (every
    // APP_REFRESH_MS in a running server; here, when the test says so).
    await first.boot.apps.refresh();
    expect([await call(first, token), await call(second, token)]).toEqual([401, 401]);
    const renewed = clientFor(first.url, { app_id: app.appId, tenant_id: app.tenantId, client_id: app.clientId, client_secret: secret });
    expect(await call(second, await renewed.token())).toBe(404);
    await expect(app.token()).rejects.toThrow(/token: 400/);
  });
});

describe('issue 7: rotation needs the admin token', () => {
  it('refuses without it, and refuses unknown kinds', async () => {
    expect((await fetch(`${first.url}/admin/v1/keys/rotate`, { method: 'POST' })).status).toBe(401);
    expect((await admin(first, { kinds: ['everything'] })).status).toBe(400);
  });
});
