import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSession } from '../../src/repositories/session-repository.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// Issue 7 §6: an app acts only on its own users. Listing and revoking a user's sessions answers
// 404 for a user the calling app cannot look up (the rule of GET /cis/v1/users/{id}); revoking
// all sessions is set-based (a constant number of statements, whatever the number of sessions);
// the list is bounded (newest first, at most 100).

let db: TestDatabase;
let server: TestServer;
let owner: TestClient;
const statements: string[] = [];
let counter = 0;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer({ databaseUrl: db.url, observe: (sql) => void statements.push(sql), env: { RATE_LIMIT_SEND_MAX: '1000', RATE_LIMIT_AUTHENTICATE_MAX: '1000' } });
  owner = await server.createApp({ name: 'Owner' });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

async function userWithSessions(count: number): Promise<{ id: string; sessions: string[]; refreshTokens: string[] }> {
  counter += 1;
  const email = `sessions${counter}@example.com`;
  const id = (await owner.call('POST', '/cis/v1/users', { email })).body.result.user_id as string;
  const sessions: string[] = [];
  const refreshTokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const { code } = (await owner.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'user_id', identifier: id })).body;
    const tokens = (await owner.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: code, identifier_type: 'user_id', identifier: id })).body;
    sessions.push(tokens.session_id);
    refreshTokens.push(tokens.refresh_token);
    server.clock.advance(1000);
  }
  return { id, sessions, refreshTokens };
}

async function statementsOf(work: () => Promise<unknown>): Promise<number> {
  statements.length = 0;
  await work();
  return statements.length;
}

describe('issue 7: an app acts only on its own users', () => {
  it("another app of the tenant (user not associated) and another tenant's app get 404 for list and revoke, and nothing changes", async () => {
    const user = await userWithSessions(2);
    const sibling = await server.createApp({ name: 'Sibling' });
    const foreign = await server.createApp({ name: 'Foreign', tenantId: await server.createTenant(`other-${counter}`) });
    for (const app of [sibling, foreign]) {
      expect((await app.call('GET', `/cis/v1/auth/users/${user.id}/sessions`)).status).toBe(404);
      const revoke = await app.call('DELETE', `/cis/v1/auth/users/${user.id}/sessions`);
      expect(revoke.status).toBe(404);
      expect(revoke.body).toEqual({ message: 'User not found', error_code: 404 });
    }
    expect((await owner.call('GET', `/cis/v1/auth/users/${user.id}/sessions`)).body).toHaveLength(2);
    // Once the user uses the sibling app (SSO associates them), the sibling may act on them.
    expect((await sibling.call('POST', '/cis/v1/auth/session/authenticate', { session_id: user.sessions[0] })).status).toBe(200);
    expect((await sibling.call('GET', `/cis/v1/auth/users/${user.id}/sessions`)).body).toHaveLength(2);
  });

  it('revoking all sessions costs the same statements for 2 sessions as for 12, and ends every one of them', async () => {
    const few = await userWithSessions(2);
    const many = await userWithSessions(12);
    const forFew = await statementsOf(() => owner.call('DELETE', `/cis/v1/auth/users/${few.id}/sessions`));
    const forMany = await statementsOf(() => owner.call('DELETE', `/cis/v1/auth/users/${many.id}/sessions`));
    expect(forMany).toBe(forFew);
    expect(forMany).toBeLessThanOrEqual(8);
    expect((await owner.call('GET', `/cis/v1/auth/users/${many.id}/sessions`)).body).toEqual([]);
    for (const session_id of many.sessions) expect((await owner.call('POST', '/cis/v1/auth/session/authenticate', { session_id })).status).toBe(400);
    for (const refresh_token of many.refreshTokens.slice(0, 3)) expect((await owner.call('POST', '/cis/v1/auth/token/refresh', { refresh_token })).status).toBe(400);
    // Each session's own log records the revocation, as the session statechart would.
    const rows = await db.storage.db.session.findMany({ where: { userId: many.id } });
    const logs = await Promise.all(rows.map(async (row) => (await readSession(db.storage.db, row.id))?.events ?? []));
    const events = logs.flat().filter((event) => event.type === 'session.revoke');
    expect(events).toHaveLength(12);
    expect(new Set(events.map((event) => event.state))).toEqual(new Set(['terminated.revoked']));
    // Each revocation took the session's next seq (the version the set-based move checked).
    for (const [index, row] of rows.entries()) expect(logs[index]?.map((event) => event.seq)).toEqual(Array.from({ length: row.version }, (_, i) => i + 1));
  });

  it('the session list is bounded: newest first, at most 100', async () => {
    const user = await userWithSessions(103);
    const listed = (await owner.call('GET', `/cis/v1/auth/users/${user.id}/sessions`)).body as { start_time: string }[];
    expect(listed).toHaveLength(100);
    const starts = listed.map((session) => Date.parse(session.start_time));
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
  }, 180_000);
});
