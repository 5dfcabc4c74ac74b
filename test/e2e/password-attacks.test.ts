import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countingHasher } from '../helpers/counting-hasher.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { clientFor, startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// Passwords under attack (issue 11): every attempt is counted, and committed, before its
// comparison, so a thousand wrong passwords at once cost no more than maxPasswordFailures Argon2id
// comparisons; a login for nobody costs one comparison, like a wrong password; hashes made with
// older parameters are made again at the next successful login.

const STRONG = 'Correct-Horse-42-battery';

let db: TestDatabase;
let server: TestServer;
let bank: TestClient;
const counted = countingHasher();

beforeAll(async () => {
  db = await freshDatabase();
  // The rate limit would turn most of the thousand away first: lifted, to show the machine's bound.
  server = await startTestServer({ databaseUrl: db.url, passwordHasher: counted.hasher, env: { RATE_LIMIT_AUTHENTICATE_MAX: '100000' } });
  bank = await server.createApp({ name: 'Bank', loginPreferences: { password: { maxPasswordFailures: 3 } } });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

const login = (client: TestClient, body: Record<string, unknown>) => client.call('POST', '/cis/v1/auth/password/authenticate', body);

async function userWithPassword(client: TestClient, username: string): Promise<string> {
  const created = await client.call('POST', '/cis/v1/users', { username, credentials: { password: STRONG, force_replace: false } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.result.user_id as string;
}

describe('passwords under attack', () => {
  it('1,000 wrong passwords at once compare no more than maxPasswordFailures; every answer is 400, 403 or (busy) 503', async () => {
    await userWithPassword(bank, 'target');
    const before = counted.count.verify;
    const answers = await Promise.all(Array.from({ length: 1000 }, (_, i) => login(bank, { username: 'target', password: `guess-${i}` })));
    expect(counted.count.verify - before).toBeLessThanOrEqual(3);
    expect(counted.count.verify - before).toBeGreaterThanOrEqual(1);
    const statuses = new Map<number, number>();
    for (const answer of answers) statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    // 503: turned away before anything was counted, beyond the Argon2 gate's queue, or when every
    // database connection stayed busy for the whole wait (PostgreSQL, under a burst on one row);
    // never a 500.
    expect(
      [...statuses.keys()].filter((status) => status !== 400 && status !== 403 && status !== 503),
      'statuses other than 400, 403 and 503',
    ).toEqual([]);
    for (const answer of answers.filter((answer) => answer.status === 503)) expect(answer.headers.get('retry-after')).toBe('1');
    expect(statuses.get(403) ?? 0).toBeGreaterThan(0);
    // Locked now: the right password is not compared either.
    const locked = await login(bank, { username: 'target', password: STRONG });
    expect(locked).toMatchObject({ status: 403, body: { error_code: 'auth_locked' } });
    expect(counted.count.verify - before).toBeLessThanOrEqual(3);
  });

  it('a comparison that comes back after the password was replaced logs nobody in, even while another login of the new one is under way', async () => {
    const temporary = 'Temporary-Horse-42-battery';
    const created = await bank.call('POST', '/cis/v1/users', { username: 'replaced', credentials: { password: temporary } });
    const userId = created.body.result.user_id as string;
    const [first, second] = counted.hold(2);
    if (first === undefined || second === undefined) throw new Error('two gates');
    // A login with the temporary password is counted; its comparison waits.
    const oldLogin = login(bank, { username: 'replaced', password: temporary });
    await first.reached;
    // The app replaces the password; a login with a wrong one is counted and waits too.
    expect((await bank.call('PUT', `/cis/v1/users/${userId}/password`, { password: STRONG, force_replace: false })).status).toBe(200);
    const otherLogin = login(bank, { username: 'replaced', password: 'not-it-either' });
    await second.reached;
    // The old password's verdict comes back first: it is set aside (not 200, not 403 temporary).
    first.release();
    expect(await oldLogin).toMatchObject({ status: 400, body: { error_code: 'auth_invalid_credentials' } });
    second.release();
    expect(await otherLogin).toMatchObject({ status: 400, body: { error_code: 'auth_invalid_credentials' } });
    expect((await login(bank, { username: 'replaced', password: temporary })).status).toBe(400);
    expect((await login(bank, { username: 'replaced', password: STRONG })).status).toBe(200);
    const credential = await db.storage.db.credential.findFirstOrThrow({ where: { userId, kind: 'password' }, include: { log: { orderBy: { seq: 'asc' } } } });
    expect(credential.log.map((event) => [event.type, event.state])).toContainEqual(['password.matched', 'active.replacedMeanwhile']);
  });

  it("a wrong guess sent at the same moment as the user's own login does not spoil it", async () => {
    await userWithPassword(bank, 'concurrent');
    const [first, second] = counted.hold(2);
    if (first === undefined || second === undefined) throw new Error('two gates');
    const own = login(bank, { username: 'concurrent', password: STRONG });
    await first.reached;
    const guess = login(bank, { username: 'concurrent', password: 'a-guess' });
    await second.reached;
    // The guess's verdict comes back first.
    second.release();
    expect((await guess).status).toBe(400);
    first.release();
    expect((await own).status).toBe(200);
  });

  it('a lock holds: not left by a login naming a bogus session, not lifted by a right password compared meanwhile', async () => {
    await userWithPassword(bank, 'lock-holds');
    const [own] = counted.hold(1);
    if (own === undefined) throw new Error('a gate');
    const right = login(bank, { username: 'lock-holds', password: STRONG });
    await own.reached;
    // Two wrong guesses: with the right one counted, the third attempt locks (maxPasswordFailures 3).
    expect((await login(bank, { username: 'lock-holds', password: 'guess-1' })).status).toBe(400);
    expect(await login(bank, { username: 'lock-holds', password: 'guess-2' })).toMatchObject({ status: 403, body: { error_code: 'auth_locked' } });
    expect(await login(bank, { username: 'lock-holds', password: STRONG, session_id: 'bogus' })).toMatchObject({ status: 400, body: { message: 'Session not found' } });
    own.release();
    expect(await right).toMatchObject({ status: 403, body: { error_code: 'auth_locked' } });
    expect(await login(bank, { username: 'lock-holds', password: STRONG })).toMatchObject({ status: 403, body: { error_code: 'auth_locked' } });
  });

  it('a login for an unknown user, or a user without a password, does the work of one comparison', async () => {
    await bank.call('POST', '/cis/v1/users', { username: 'no-password' });
    const verifies = counted.count.verify;
    const nothing = counted.count.verifyNothing;
    expect(await login(bank, { username: 'nobody', password: STRONG })).toMatchObject({ status: 400, body: { error_code: 'auth_invalid_credentials' } });
    expect(await login(bank, { username: 'no-password', password: STRONG })).toMatchObject({ status: 400, body: { error_code: 'auth_invalid_credentials' } });
    expect(counted.count.verifyNothing - nothing).toBe(2);
    expect(counted.count.verify - verifies).toBe(0);
  });

  it('a password hashed with older parameters is hashed again with the current ones at its next login', async () => {
    const older = countingHasher({ memoryKib: 19_456, timeCost: 2, parallelism: 1 });
    const before = await startTestServer({ databaseUrl: db.url, passwordHasher: older.hasher, clock: server.clock });
    let userId: string;
    try {
      const app = await before.createApp({ name: 'Older' });
      userId = await userWithPassword(app, 'rehashed');
      const stored = await db.storage.db.credential.findFirstOrThrow({ where: { userId, kind: 'password' } });
      expect(stored.secret).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      // The same app, served by a server with the current parameters.
      const hashes = counted.count.hash;
      const again = clientFor(server.url, { app_id: app.appId, tenant_id: app.tenantId, client_id: app.clientId, client_secret: app.clientSecret });
      expect((await login(again, { username: 'rehashed', password: STRONG })).status).toBe(200);
      expect(counted.count.hash - hashes).toBe(1);
      const rehashed = await db.storage.db.credential.findFirstOrThrow({ where: { userId, kind: 'password' } });
      expect(rehashed.secret).toMatch(/^\$argon2id\$v=19\$m=32768,t=3,p=1\$/);
      expect((await login(again, { username: 'rehashed', password: STRONG })).status).toBe(200);
      expect(counted.count.hash - hashes).toBe(1);
      const log = await db.storage.db.credentialEvent.findMany({ where: { credentialId: rehashed.id }, orderBy: { seq: 'asc' } });
      expect(log.map((event) => [event.type, event.fields])).toContainEqual(['password.matched', { generation: 1, attempt: 1, rehash: true, userStatus: 'Pending' }]);
      expect(JSON.stringify(log)).not.toContain(STRONG);
    } finally {
      await before.close();
    }
  });
});
