import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureKeys, type KeyStore, openKeyStore, type RotationReport } from '../../src/keys/key-store.js';
import { HMAC_PURPOSE } from '../../src/keys/key-sealing.js';
import { listServerSecrets, listSigningKeys } from '../../src/repositories/key-repository.js';
import { createSealer } from '../../src/secrets/sealer.js';
import { generateSigningKey } from '../../src/tokens/keys.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { manualClock } from '../helpers/clock.js';
import { TEST_MASTER_KEY } from '../helpers/test-config.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// Issue 15 §7: concurrent key rotations answered 500 ("Unable to start a transaction in the given
// time": the RSA key was generated inside the transaction, holding the database), and overlapping
// rotations could leave two live keys or retire a key before it ever signed. Rotations now make
// their keys first and are applied one after another: each retires every live key at its own key's
// activation, activations strictly increase in commit order (src/keys/rotate-keys.ts).

interface ChainRow {
  readonly id: string;
  readonly activatesAt: number;
  readonly retiredAt: number | null;
}

/** Keys in activation order, each retired exactly when the next one activates, the last live. */
function expectOneChain(rows: readonly ChainRow[]): string[] {
  const ordered = [...rows].sort((a, b) => a.activatesAt - b.activatesAt);
  ordered.forEach((row, index) => {
    const next = ordered[index + 1];
    expect(row.retiredAt, `key ${index} of ${ordered.length}`).toBe(next === undefined ? null : next.activatesAt);
    if (next !== undefined) expect(next.activatesAt).toBeGreaterThan(row.activatesAt);
  });
  return ordered.map((row) => row.id);
}

const signingChain = async (db: TestDatabase) => expectOneChain((await listSigningKeys(db.storage.db)).map((key) => ({ id: key.kid, activatesAt: key.activatesAt, retiredAt: key.retiredAt })));
const hmacChain = async (db: TestDatabase) => expectOneChain(await listServerSecrets(db.storage.db, HMAC_PURPOSE));

describe('issue 15: a rotation still making its key does not hold the database', () => {
  let db: TestDatabase;
  let store: KeyStore;
  let release: () => void = () => {};

  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    release();
    store?.stop();
    await db?.drop();
  });

  it('a second rotation completes while the first is still generating; the first then follows it in the chain', async () => {
    const clock = manualClock();
    const sealer = createSealer(Buffer.from(TEST_MASTER_KEY, 'base64'));
    await ensureKeys(db.storage.db, sealer, 'RS256', clock.now());
    // The first rotation's key generation waits for the test: a slow RSA generation, made certain.
    let reached!: () => void;
    const generating = new Promise<void>((resolve) => (reached = resolve));
    const held = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const generate: typeof generateSigningKey = async (alg) => {
      if (++calls === 1) {
        reached();
        await held;
      }
      return generateSigningKey(alg);
    };
    store = await openKeyStore({ db: db.storage.db, provider: db.storage.provider, sealer, clock, alg: 'RS256', refreshMs: 5000, generateSigningKey: generate });
    const [initialKid] = await signingChain(db);
    const [initialHmac] = await hmacChain(db);

    const first = store.rotate(['signing', 'hmac']);
    await generating;
    const second = await store.rotate(['signing', 'hmac']);
    expect(second.signing?.retiring).toEqual([initialKid]);
    expect(second.hmac?.retiring).toEqual([initialHmac]);
    release();
    const overlapping: RotationReport = await first;

    // Committed last, so it is the one that signs in the end; the key of the one committed first
    // stops the moment the later one starts.
    expect(overlapping.signing?.retiring).toEqual([second.signing?.kid]);
    expect(overlapping.hmac?.retiring).toEqual([second.hmac?.keyId]);
    expect(overlapping.signing?.activatesAt).toBe((second.signing?.activatesAt ?? 0) + 1);
    expect(await signingChain(db)).toEqual([initialKid, second.signing?.kid, overlapping.signing?.kid]);
    expect(await hmacChain(db)).toEqual([initialHmac, second.hmac?.keyId, overlapping.hmac?.keyId]);
    clock.advance(10_000 + 1);
    expect(store.signing().signerAt(clock.now()).kid).toBe(overlapping.signing?.kid);
    expect(store.hasher.currentKeyId()).toBe(overlapping.hmac?.keyId);
  });
});

describe('issue 15: concurrent rotations over HTTP', () => {
  let db: TestDatabase;
  let server: TestServer;

  beforeAll(async () => {
    db = await freshDatabase();
    server = await startTestServer({ databaseUrl: db.url, env: { KEY_REFRESH_SECONDS: '5', RATE_LIMIT_CLIENT_TOKEN_MAX: '1000' } });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('five at once all succeed (or answer 503 with Retry-After), never 500, and leave one chain of keys', async () => {
    const app = await server.createApp({ name: 'Rotations' });
    const [initialKid] = await signingChain(db);
    const [initialHmac] = await hmacChain(db);
    const rotate = () =>
      fetch(`${server.url}/admin/v1/keys/rotate`, { method: 'POST', headers: { authorization: `Bearer ${server.config.adminToken}` } }).then(async (response) => ({
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        body: (await response.json()) as { signing: { kid: string; retiring: string[] }; hmac: { key_id: string; retiring: string[] } },
      }));
    const answers = await Promise.all(Array.from({ length: 5 }, rotate));
    for (const answer of answers) {
      expect([200, 503], JSON.stringify(answer)).toContain(answer.status);
      if (answer.status === 503) expect(answer.retryAfter).toBe('1');
    }
    const rotated = answers.filter((answer) => answer.status === 200).map((answer) => answer.body);
    expect(rotated.length).toBeGreaterThan(0);

    // Every rotation retired exactly the key the one before it (in commit order) had added.
    const kids = await signingChain(db);
    expect(kids).toHaveLength(rotated.length + 1);
    expect(kids[0]).toBe(initialKid);
    for (const report of rotated) expect(report.signing.retiring).toEqual([kids[kids.indexOf(report.signing.kid) - 1]]);
    const hmacIds = await hmacChain(db);
    expect(hmacIds[0]).toBe(initialHmac);
    for (const report of rotated) expect(report.hmac.retiring).toEqual([hmacIds[hmacIds.indexOf(report.hmac.key_id) - 1]]);

    // Once the last one is active, it signs.
    server.clock.advance(10_000 + rotated.length);
    expect(decodeProtectedHeader(await app.token()).kid).toBe(kids.at(-1));
  });

  it('an empty body means both kinds, with or without a JSON content type; elsewhere an empty JSON body is still refused', async () => {
    const authorization = `Bearer ${server.config.adminToken}`;
    const rotate = (headers: Record<string, string>, payload?: string) =>
      server.app.inject({ method: 'POST', url: '/admin/v1/keys/rotate', headers: { authorization, ...headers }, ...(payload === undefined ? {} : { payload }) });
    for (const answer of [await rotate({}), await rotate({ 'content-type': 'application/json' }, ''), await rotate({ 'content-type': 'application/json; charset=utf-8' }, '')]) {
      expect(answer.statusCode, answer.body).toBe(200);
      expect(Object.keys(answer.json()).sort()).toEqual(['hmac', 'signing']);
    }
    expect(Object.keys((await rotate({ 'content-type': 'application/json' }, '{"kinds":["hmac"]}')).json())).toEqual(['hmac']);
    // Bad JSON, an unknown field and poisoned JSON are refused as before.
    expect((await rotate({ 'content-type': 'application/json' }, '{')).json()).toEqual({ message: ['body must be well-formed JSON'], error_code: 400 });
    expect((await rotate({ 'content-type': 'application/json' }, '{"kind":"hmac"}')).statusCode).toBe(400);
    expect((await rotate({ 'content-type': 'application/json' }, '{"__proto__":{"kinds":["hmac"]}}')).statusCode).toBe(400);
    // The other optional-body admin POST too; a route whose body is required still refuses an empty one.
    const app = await server.createApp({ name: 'Empty body' });
    const rotateSecret = await server.app.inject({
      method: 'POST',
      url: `/admin/v1/applications/${app.appId}/rotate-secret`,
      headers: { authorization, 'content-type': 'application/json' },
      payload: '',
    });
    expect(rotateSecret.statusCode, rotateSecret.body).toBe(200);
    const tenant = await server.app.inject({ method: 'POST', url: '/admin/v1/tenants', headers: { authorization, 'content-type': 'application/json' }, payload: '' });
    expect(tenant.json()).toEqual({ message: ['body must be well-formed JSON'], error_code: 400 });
  });
});
