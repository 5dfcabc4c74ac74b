import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { assertEveryInstanceReplays } from '../helpers/replay-check.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// Issue 8 §4: a flow's log replays it, and the operator sees each instance with its log. Every test
// server also replays every instance of its database when it closes (test/helpers/test-server.ts).

let db: TestDatabase;
let server: TestServer;
let client: TestClient;
const admin = (path: string) =>
  fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${server.config.adminToken}` } }).then(async (response) => ({ status: response.status, body: (await response.json()) as any }));

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer({ databaseUrl: db.url });
  client = await server.createApp({ name: 'Replay' });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

async function otpLogin(email: string, extra: object = {}) {
  await client.call('POST', '/cis/v1/users', { email });
  const { code } = (await client.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'email', identifier: email, generate_request_id: false })).body;
  await client.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: '000000', identifier_type: 'email', identifier: email });
  return (await client.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: code, identifier_type: 'email', identifier: email, ...extra })).body;
}

describe('issue 8: a log replays its instance', () => {
  it('a flow, a session and a refresh family, as the admin API shows them: redacted, with their logs, replaying', async () => {
    const tokens = await otpLogin('ada@example.com');
    server.clock.advance(1000); // the login's refresh family is the older of the session's two
    await client.call('POST', '/cis/v1/auth/session/authenticate', { session_id: tokens.session_id });
    await client.call('POST', '/cis/v1/auth/token/refresh', { refresh_token: tokens.refresh_token });
    const flowRow = await db.storage.db.flow.findFirstOrThrow({ where: { kind: 'otp' }, orderBy: { createdAt: 'desc' } });
    const flow = await admin(`/admin/v1/flows/${flowRow.id}`);
    expect(flow.status).toBe(200);
    expect(flow.body).toMatchObject({ machine: 'otp', machine_version: 5, state: 'authenticated.redeemed', replays: true });
    expect(flow.body.context.subject).toBe('[redacted]');
    expect(flow.body.input.subject).toBe('[redacted]');
    expect(flow.body.events.map((event: { type: string; state: string }) => [event.type, event.state])).toEqual([
      // A direct code is handed back in the send's answer: nothing is delivered.
      ['xstate.init', 'pending.awaitingCode'],
      ['code.submit', 'pending.verifying'],
      ['code.rejected', 'pending.wrongCode'],
      ['code.submit', 'pending.verifying'],
      ['code.accepted', 'authenticated.redeemed'],
    ]);
    expect(JSON.stringify(flow.body)).not.toContain('ada@example.com');
    expect(flow.body.events[1].fields).toEqual({ subject: '[redacted]', requestId: null, lockedOutUntil: null, session: null, userStatus: 'Pending', resource: null, allowedResources: [] });

    const sessionRow = await db.storage.db.session.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
    const session = await admin(`/admin/v1/sessions/${sessionRow.id}`);
    expect(session.body).toMatchObject({ machine: 'session', state: 'active.live', replays: true });
    expect(session.body.events.map((event: { type: string }) => event.type)).toEqual(['xstate.init', 'session.silentAuthenticate']);
    expect(JSON.stringify(session.body)).not.toContain(tokens.session_id);

    const familyRow = await db.storage.db.refreshFamily.findFirstOrThrow({ where: { sessionId: sessionRow.id }, orderBy: { createdAt: 'asc' } });
    const family = await admin(`/admin/v1/refresh-families/${familyRow.id}`);
    expect(family.body).toMatchObject({ machine: 'refresh-family', state: 'active', context: { generation: 1 }, replays: true });
    expect((await admin('/admin/v1/flows/nope')).status).toBe(404);
  });

  it('a password credential, as the admin API and the visualizer show it: its log, replaying, never its hash', async () => {
    const password = 'Correct-Horse-42-battery';
    const created = await client.call('POST', '/cis/v1/users', { username: 'hopper', credentials: { password, force_replace: false } });
    await client.call('POST', '/cis/v1/auth/password/authenticate', { username: 'hopper', password: 'not it' });
    expect((await client.call('POST', '/cis/v1/auth/password/authenticate', { username: 'hopper', password })).status).toBe(200);
    const row = await db.storage.db.credential.findFirstOrThrow({ where: { userId: created.body.result.user_id } });
    const view = await admin(`/admin/v1/credentials/${row.id}`);
    expect(view.body).toMatchObject({ machine: 'password', machine_version: 3, state: 'active.authenticated', replays: true, context: { attempts: 0 } });
    expect(view.body.events.map((event: { type: string; state: string }) => [event.type, event.state])).toEqual([
      ['xstate.init', 'active.ready'],
      ['password.submit', 'active.verifying'],
      ['password.mismatched', 'active.wrongPassword'],
      ['password.submit', 'active.verifying'],
      ['password.matched', 'active.authenticated'],
    ]);
    expect(JSON.stringify(view.body)).not.toContain('argon2');
    expect(JSON.stringify(view.body)).not.toContain(password);
    const live = await admin(`/visualizer/instances/credential/${row.id}`);
    expect(live.body).toMatchObject({ kind: 'credential', machine: 'password', replays: true });
    expect((await admin('/visualizer/instances?limit=100')).body).toContainEqual(expect.objectContaining({ kind: 'credential', id: row.id, machine: 'password' }));
    expect((await admin('/admin/v1/credentials/nope')).status).toBe(404);
  });

  it('every instance in the database replays, and a log that was tampered with does not', async () => {
    await otpLogin('grace@example.com');
    const count = await assertEveryInstanceReplays(db.storage.db);
    expect(count.flows).toBeGreaterThanOrEqual(2);
    expect(count.sessions).toBeGreaterThanOrEqual(2);
    expect(count.families).toBeGreaterThanOrEqual(2);
    expect(count.credentials).toBe(1);
    const row = await db.storage.db.flow.findFirstOrThrow({ where: { kind: 'otp' }, orderBy: { createdAt: 'desc' } });
    const events = row.events as { type: string }[];
    // Drop the failed guess from the log: the replay no longer counts it, the stored context does.
    await db.storage.db.flow.update({ where: { id: row.id }, data: { events: events.filter((_, index) => index !== 3 && index !== 2) } });
    await expect(assertEveryInstanceReplays(db.storage.db)).rejects.toThrow(/does not replay/);
    expect((await admin(`/admin/v1/flows/${row.id}`)).body.replays).toBe(false);
    await db.storage.db.flow.update({ where: { id: row.id }, data: { events } });
  });
});
