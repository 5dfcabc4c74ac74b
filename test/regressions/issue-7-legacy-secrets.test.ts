import { createHmac } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/storage/migrate.js';
import { openStorage } from '../../src/storage/prisma.js';
import { newSecret } from '../../src/secrets/random.js';
import { generateSigningKey } from '../../src/tokens/keys.js';
import { freshDatabase, type TestDatabase, testEngine } from '../helpers/db.js';
import { clientFor, startTestServer, type TestServer } from '../helpers/test-server.js';

// Issue 7 §4: existing plaintext rows are migrated on start. A database written by the previous
// release (plaintext private JWK, plaintext HMAC key, plaintext dev-outbox message) is sealed by
// the first start; its keys keep working: the same kid signs, the same client secret authenticates.

const BEFORE_ENCRYPTION = '20261121105351_session_statechart';
let db: TestDatabase | undefined;
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  await db?.drop();
  server = undefined;
  db = undefined;
});

const hmac = (key: string, secret: string) => createHmac('sha256', Buffer.from(key, 'base64url')).update(secret, 'utf8').digest('base64url');

describe('issue 7: plaintext secrets of an older release are sealed at start', () => {
  it('migrates the schema, seals every plaintext secret, and the old keys keep working', async () => {
    db = await freshDatabase({ migrated: false });
    await migrate(db.url, { until: BEFORE_ENCRYPTION });
    // Written through a connection of its own, closed before the upgrade (SQLite's schema change
    // must not wait on it).
    const legacy = await openStorage(db.url);
    const sql = legacy.db;
    const at = new Date(Date.UTC(2026, 10, 1));
    const legacyKey = await generateSigningKey('RS256');
    const hmacKey = newSecret();
    const clientSecret = newSecret();
    const json = (value: unknown) => JSON.stringify(value);
    const postgres = testEngine() === 'postgresql';
    const cast = postgres ? '::jsonb' : '';
    // Placeholders: numbered on PostgreSQL, positional on SQLite.
    const p = (n: number) => (postgres ? `$${n}` : '?');
    await sql.$executeRawUnsafe(`INSERT INTO "tenant" ("id", "name", "created_at") VALUES ('legacy-tenant', 'default', ${p(1)})`, at);
    await sql.$executeRawUnsafe(
      `INSERT INTO "signing_key" ("kid", "alg", "private_jwk", "public_jwk", "created_at") VALUES (${p(1)}, 'RS256', ${p(2)}${cast}, ${p(3)}${cast}, ${p(4)})`,
      legacyKey.kid,
      json(legacyKey.privateJwk),
      json(legacyKey.publicJwk),
      at,
    );
    await sql.$executeRawUnsafe(`INSERT INTO "server_secret" ("id", "purpose", "value", "created_at") VALUES ('legacy-hmac', 'secret-hmac', ${p(1)}, ${p(2)})`, hmacKey, at);
    await sql.$executeRawUnsafe(
      `INSERT INTO "app" ("id", "tenant_id", "name", "client_id", "client_secret_hash", "redirect_uris", "resources", "login_preferences", "created_at", "updated_at")
       VALUES ('legacy-app', 'legacy-tenant', 'Legacy', 'legacy-client', ${p(1)}, ${p(2)}${cast}, ${p(3)}${cast}, ${p(4)}${cast}, ${p(5)}, ${p(6)})`,
      hmac(hmacKey, clientSecret),
      json(['https://app.example/verify']),
      json([]),
      json({}),
      at,
      at,
    );
    await sql.$executeRawUnsafe(
      `INSERT INTO "delivery" ("id", "channel", "to", "subject", "text", "html", "created_at") VALUES ('legacy-mail', 'email', 'old@example.com', 'Old subject', 'Your old code 123456', NULL, ${p(1)})`,
      at,
    );

    await legacy.close();
    // What `npm start` does after an upgrade: the remaining migrations, then the start.
    await migrate(db.url);
    server = await startTestServer({ databaseUrl: db.url });
    const rows = server.storage.db;

    // The data migration: keys active since they were created; the app's secret names its key.
    const keyRow = await rows.signingKey.findUniqueOrThrow({ where: { kid: legacyKey.kid } });
    expect(keyRow.activatesAt.getTime()).toBe(at.getTime());
    expect((await rows.app.findUniqueOrThrow({ where: { id: 'legacy-app' } })).clientSecretKeyId).toBe('legacy-hmac');
    // Sealed at start.
    expect(keyRow.privateJwk).toBeNull();
    expect(keyRow.privateKeySealed).toMatch(/^ks1\./);
    expect((await rows.serverSecret.findUniqueOrThrow({ where: { id: 'legacy-hmac' } })).value).toMatch(/^ks1\./);
    expect((await rows.delivery.findUniqueOrThrow({ where: { id: 'legacy-mail' } })).text).toMatch(/^ks1\./);

    // Still working: the old client secret, the old signing key, the old outbox message.
    const oldClient = clientFor(server.url, { app_id: 'legacy-app', tenant_id: 'legacy-tenant', client_id: 'legacy-client', client_secret: clientSecret });
    const token = await oldClient.token();
    expect(decodeProtectedHeader(token).kid).toBe(legacyKey.kid);
    expect((await oldClient.call('POST', '/cis/v1/users', { email: 'new@example.com' })).status).toBe(201);
    const jwks = (await (await fetch(`${server.url}/cis/oidc/jwks`)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((key) => key.kid)).toContain(legacyKey.kid);
    const outbox = (await (await fetch(`${server.url}/dev/outbox?to=old@example.com`)).json()) as { text: string; subject: string }[];
    expect(outbox).toEqual([expect.objectContaining({ subject: 'Old subject', text: 'Your old code 123456' })]);
  });
});
