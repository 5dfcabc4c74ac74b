import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCredential } from '../../src/repositories/credential-repository.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// Issue 16 §3: one lockout model for every factor. A user's lock out of passcodes for an app is a
// long-lived instance (machines/passcode-lock.machine.ts, kept in the credential table as kind
// `passcode-lock`), as a password's or an authenticator's lock is the state of its instance: the
// OTP flow that counts the last allowed wrong code names the lock, its use case sends `lock` to the
// user's instance in the same transaction, and every later passcode flow of that user and app is
// handed the lock in force.

const MINUTE = 60_000;
let db: TestDatabase;
let server: TestServer;
let client: TestClient;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer({ databaseUrl: db.url, env: { RATE_LIMIT_AUTHENTICATE_MAX: '100' } });
  client = await server.createApp({ name: 'Passcode lock' });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

const send = (body: object) => client.call('POST', '/cis/v1/auth/otp/send', body);
const authenticate = (body: object) => client.call('POST', '/cis/v1/auth/otp/authenticate', body);

/** Sends a code and spends every allowed guess on wrong ones: the last one locks. */
async function lockOut(id: object): Promise<void> {
  const { code } = (await send({ channel: 'direct', ...id })).body;
  const wrong = code === '000000' ? '111111' : '000000';
  for (let i = 0; i < 2; i++) expect((await authenticate({ passcode: wrong, ...id })).body.error_code).toBe('auth_invalid_credentials');
  expect((await authenticate({ passcode: wrong, ...id })).body.error_code).toBe('auth_locked');
}

describe('issue 16: the passcode lock is a long-lived instance per user and app', () => {
  it('locks in the flow transaction, spans later flows, lapses by data and locks the same instance again', async () => {
    const created = await client.call('POST', '/cis/v1/users', { email: 'lock16@example.com' });
    const userId: string = created.body.result.user_id;
    const id = { identifier_type: 'email', identifier: 'lock16@example.com' };
    const t0 = server.clock.now();
    await lockOut(id);

    const row = await db.storage.db.credential.findFirstOrThrow({ where: { userId, kind: 'passcode-lock' } });
    expect(row).toMatchObject({ stateValue: 'locked', secret: '', endedAt: null, context: { lockedUntil: t0 + 15 * MINUTE } });
    const first = await readCredential(db.storage.db, row.id);
    expect(first?.events.map((event) => [event.type, event.state, event.fields])).toEqual([
      ['xstate.init', 'open', {}],
      ['lock', 'locked', { until: t0 + 15 * MINUTE }],
    ]);

    // Every later passcode flow of the user and app is refused while the lock holds, alike.
    const refused = await send({ channel: 'direct', ...id });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ message: 'Too many failed attempts; try again later', error_code: 'auth_locked' });

    // The lock lapses by its data: at its end a code is sent and wrong guesses count anew, and the
    // next lock is the same instance, locked again.
    server.clock.advance(15 * MINUTE);
    await lockOut(id);
    const again = await readCredential(db.storage.db, row.id);
    expect(again).toMatchObject({ stateValue: 'locked', context: { lockedUntil: t0 + 30 * MINUTE } });
    expect(again?.events.map((event) => event.type)).toEqual(['xstate.init', 'lock', 'lock']);
    expect(await db.storage.db.credential.count({ where: { userId, kind: 'passcode-lock' } })).toBe(1);
  });
});
