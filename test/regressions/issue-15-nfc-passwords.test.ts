import { hash as argon2Hash } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ARGON2_PARAMS } from '../../src/credentials/password-hasher.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// Issue 15 ("also seen"): passwords were hashed as typed, so "é" sent as one code point by one
// device and as "e" + a combining accent by another was two passwords. Now a password is hashed
// and compared in NFC; a hash stored before, from a password typed in another form, still logs in
// (compared as typed) and is stored again in NFC at that login.

const COMPOSED = 'Caf\u00e9-au-lait-42';
const DECOMPOSED = 'Cafe\u0301-au-lait-42';

let db: TestDatabase;
let server: TestServer;
let bank: TestClient;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer({ databaseUrl: db.url });
  bank = await server.createApp({ name: 'Bank' });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

const login = (username: string, password: string) => bank.call('POST', '/cis/v1/auth/password/authenticate', { username, password });

async function userWithPassword(username: string, password: string): Promise<string> {
  const created = await bank.call('POST', '/cis/v1/users', { username, credentials: { password, force_replace: false } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.result.user_id as string;
}

const storedHash = async (userId: string) => (await server.storage.db.credential.findFirstOrThrow({ where: { userId, kind: 'password' } })).secret;

describe('issue 15: passwords in Unicode NFC', () => {
  it('a password set with a composed "é" logs in typed decomposed, and the other way round', async () => {
    expect(COMPOSED).not.toBe(DECOMPOSED);
    await userWithPassword('composed', COMPOSED);
    expect((await login('composed', DECOMPOSED)).status).toBe(200);
    const userId = await userWithPassword('decomposed', 'Plain-Horse-42-battery');
    expect((await bank.call('PUT', `/cis/v1/users/${userId}/password`, { password: DECOMPOSED, force_replace: false })).status).toBe(200);
    expect((await login('decomposed', COMPOSED)).status).toBe(200);
    expect((await login('decomposed', DECOMPOSED)).status).toBe(200);
    expect((await login('decomposed', 'Cafe-au-lait-42')).status).toBe(400);
  });

  it('a hash stored before, of the password as typed, still logs in and is stored again in NFC', async () => {
    const userId = await userWithPassword('legacy', DECOMPOSED);
    // What the server stored before passwords were normalised: the password as typed.
    const params = { memoryCost: DEFAULT_ARGON2_PARAMS.memoryKib, timeCost: DEFAULT_ARGON2_PARAMS.timeCost, parallelism: DEFAULT_ARGON2_PARAMS.parallelism };
    const legacy = await argon2Hash(DECOMPOSED, params);
    const credential = await server.storage.db.credential.findFirstOrThrow({ where: { userId, kind: 'password' } });
    await server.storage.db.credential.update({ where: { id: credential.id }, data: { secret: legacy } });
    // Typed in another form than it was stored, it never matched: still so.
    expect((await login('legacy', COMPOSED)).status).toBe(400);
    expect((await login('legacy', DECOMPOSED)).status).toBe(200);
    expect(await storedHash(userId)).not.toBe(legacy);
    const log = await server.storage.db.credentialEvent.findMany({ where: { credentialId: credential.id }, orderBy: { seq: 'asc' } });
    expect(log.map((event) => [event.type, event.fields])).toContainEqual(['password.matched', { generation: 1, attempt: 2, rehash: true, userStatus: 'Pending' }]);
    // Stored in NFC now: either form logs in, without storing it again.
    const rehashed = await storedHash(userId);
    expect((await login('legacy', COMPOSED)).status).toBe(200);
    expect((await login('legacy', DECOMPOSED)).status).toBe(200);
    expect(await storedHash(userId)).toBe(rehashed);
  });
});
