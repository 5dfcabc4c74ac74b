import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrap } from '../../src/bootstrap.js';
import { sqliteFilePath } from '../../src/storage/migrate.js';
import { freshDatabase, type TestDatabase, testEngine } from '../helpers/db.js';
import { manualClock } from '../helpers/clock.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// Issue 7 §4: secrets at rest need more than the database. Signing keys, the HMAC key ring and
// dev-outbox messages are sealed under the key-encryption key: a copy of the database alone
// neither signs a token nor recovers a pending passcode, and another KEYSTATE_MASTER_KEY cannot
// open it.

let db: TestDatabase;
let server: TestServer;
let client: TestClient;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer({ databaseUrl: db.url });
  client = await server.createApp({ name: 'At rest', loginPreferences: { direct_otp: { codeLength: 4 } } });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

/** Everything the database holds, as text: the file and its WAL (SQLite), every row (PostgreSQL). */
async function databaseText(): Promise<string> {
  if (testEngine() === 'sqlite') {
    const file = sqliteFilePath(db.url);
    return [file, `${file}-wal`]
      .filter(existsSync)
      .map((path) => readFileSync(path).toString('latin1'))
      .join('\n');
  }
  const tables = await db.storage.db.$queryRawUnsafe<{ tablename: string }[]>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`);
  const rows: string[] = [];
  for (const { tablename } of tables) {
    const dump = await db.storage.db.$queryRawUnsafe<{ row: string }[]>(`SELECT row_to_json(t)::text AS row FROM "${tablename}" t`);
    rows.push(...dump.map((entry) => entry.row));
  }
  return rows.join('\n');
}

describe('issue 7: secrets at rest', () => {
  it('keys and dev-outbox messages are stored sealed; the outbox still shows the message to the developer', async () => {
    const email = 'rest@example.com';
    await client.call('POST', '/cis/v1/users', { email });
    expect((await client.call('POST', '/cis/v1/auth/link/email/send', { email, redirect_uri: 'https://app.example/verify' })).status).toBe(200);
    const [message] = (await (await fetch(`${server.url}/dev/outbox?to=${email}`)).json()) as { text: string; subject: string }[];
    const link = /https?:\/\/\S+token=[\w%-]+/.exec(message?.text ?? '')?.[0] ?? '';
    expect(link).toContain('token=');

    for (const key of await db.storage.db.signingKey.findMany()) {
      expect(key.privateJwk).toBeNull();
      expect(key.privateKeySealed).toMatch(/^ks1\./);
    }
    for (const secret of await db.storage.db.serverSecret.findMany()) expect(secret.value).toMatch(/^ks1\./);
    for (const delivery of await db.storage.db.delivery.findMany()) {
      expect(delivery.text).toMatch(/^ks1\./);
      expect(delivery.html ?? 'ks1.').toMatch(/^ks1\./);
      expect(delivery.subject ?? 'ks1.').toMatch(/^ks1\./);
    }
    const text = await databaseText();
    expect(text).not.toContain(decodeURIComponent(new URL(link).searchParams.get('token') ?? ''));
    expect(text).not.toContain(message?.subject ?? '');
  });

  it('no private key, HMAC key, session id, refresh token or client secret appears anywhere in the database bytes', async () => {
    const { code } = (await client.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'email', identifier: 'rest@example.com' })).body;
    const tokens = (await client.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: code, identifier_type: 'email', identifier: 'rest@example.com' })).body;
    const sealer = server.boot.sealer;
    const privateParts = (await db.storage.db.signingKey.findMany()).flatMap((key) => {
      const jwk = JSON.parse(sealer.open(key.privateKeySealed ?? '', `signing_key:${key.kid}`)) as Record<string, string>;
      return ['d', 'p', 'q', 'dp', 'dq', 'qi'].map((part) => jwk[part]).filter((value): value is string => value !== undefined);
    });
    const hmacKeys = (await db.storage.db.serverSecret.findMany()).map((secret) => sealer.open(secret.value, `server_secret:${secret.id}`));
    expect(privateParts.length).toBeGreaterThan(0);
    const text = await databaseText();
    for (const secret of [...privateParts, ...hmacKeys, tokens.session_id, tokens.refresh_token, client.clientSecret]) expect(text.includes(secret)).toBe(false);
  });

  it('a pending passcode can be brute-forced from its hash with the HMAC key, and the database does not hold that key', async () => {
    await client.call('POST', '/cis/v1/users', { email: 'pending@example.com' });
    const { code } = (await client.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'email', identifier: 'pending@example.com' })).body;
    expect(code).toMatch(/^\d{4}$/);
    const flow = await db.storage.db.flow.findFirstOrThrow({ where: { subject: 'email:pending@example.com' }, orderBy: { createdAt: 'desc' } });
    const crack = (key: Buffer) =>
      Array.from({ length: 10_000 }, (_, n) => String(n).padStart(4, '0')).find((guess) => createHmac('sha256', key).update(`${flow.id}:${guess}`).digest('base64url') === flow.secretHash);
    const [stored] = await db.storage.db.serverSecret.findMany();
    // What a copy of the database holds is not the key...
    expect(crack(Buffer.from(stored?.value ?? '', 'base64url'))).toBeUndefined();
    // ...which is what stands between a copy and the code.
    const key = Buffer.from(server.boot.sealer.open(stored?.value ?? '', `server_secret:${stored?.id}`), 'base64url');
    expect(crack(key)).toBe(code);
  });

  it('another KEYSTATE_MASTER_KEY cannot open the database: the start stops with a clear message', async () => {
    await expect(bootstrap(db.storage, { tokenSigningAlg: 'RS256', keyRefreshMs: 30_000, appRefreshMs: 1000 }, manualClock(), Buffer.alloc(32, 9))).rejects.toThrow(
      /KEYSTATE_MASTER_KEY does not open this database's keys: .*another key-encryption key/,
    );
  });
});
