import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relyingPartyProblems } from '../../src/model/relying-party.js';
import { findAppById } from '../../src/repositories/app-repository.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// Issue 18: an app's WebAuthn relying party (its RP id and the origins of its pages), declared by
// the operator. The rules are the browser's (a passkey is bound to a domain the page is on) plus
// ours (https, or http on localhost only); a refusal names the field and changes nothing.

describe('relyingPartyProblems', () => {
  const ok = (rpId: string, origins: string[]) => expect(relyingPartyProblems({ rpId, origins }, 'webauthn'), `${rpId} ${origins}`).toEqual([]);
  const refused = (rpId: string, origins: string[], problem: string) => expect(relyingPartyProblems({ rpId, origins }, 'webauthn'), `${rpId} ${origins}`).toEqual([expect.stringContaining(problem)]);

  it('accepts a domain with https origins on it and its subdomains, and localhost over http', () => {
    ok('bank.example', ['https://bank.example', 'https://login.bank.example:8443']);
    ok('localhost', ['http://localhost:3000', 'https://localhost']);
    ok('shop.localhost', ['http://shop.localhost:8080']);
  });

  it('refuses an RP id that is an IP, has a scheme, a port, a path or upper case', () => {
    refused('127.0.0.1', ['http://localhost'], 'not an IP address');
    refused('::1', ['http://localhost'], 'not an IP address');
    for (const rpId of ['https://bank.example', 'bank.example:443', 'bank.example/x', 'Bank.example', '-bank.example', '']) refused(rpId, ['https://bank.example'], 'webauthn.rp_id');
  });

  it('refuses origins that are more than an origin, off the RP id, or plain http away from localhost', () => {
    refused('bank.example', ['https://bank.example/'], 'scheme://host[:port] only');
    refused('bank.example', ['https://bank.example/login'], 'scheme://host[:port] only');
    refused('bank.example', ['https://user@bank.example'], 'scheme://host[:port] only');
    refused('bank.example', ['http://bank.example'], 'http: only on localhost');
    refused('bank.example', ['https://evilbank.example'], "on the RP id's domain");
    refused('bank.example', ['https://bank.example.evil.test'], "on the RP id's domain");
    refused('bank.example', ['ftp://bank.example'], 'must use https:');
    refused('bank.example', ['not an origin'], 'not a valid origin');
    refused('bank.example', [], 'at least one origin');
  });

  it('names every offending origin by its index', () => {
    expect(relyingPartyProblems({ rpId: 'bank.example', origins: ['https://bank.example', 'http://bank.example', 'https://other.example'] }, 'body.webauthn')).toEqual([
      expect.stringMatching(/^body\.webauthn\.origins\.1 /),
      expect.stringMatching(/^body\.webauthn\.origins\.2 /),
    ]);
  });
});

describe('the admin API: webauthn on an application', () => {
  let db: TestDatabase;
  let server: TestServer;
  const headers = () => ({ authorization: `Bearer ${server.config.adminToken}`, 'content-type': 'application/json' });
  const call = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${server.url}${path}`, { method, headers: headers(), body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const BANK = { rp_id: 'bank.example', origins: ['https://bank.example'] };

  beforeAll(async () => {
    db = await freshDatabase();
    server = await startTestServer({ databaseUrl: db.url });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('round-trips on create, changes on patch, and null removes it', async () => {
    const created = await call('POST', '/admin/v1/applications', { name: 'Bank', redirect_uris: ['https://bank.example/verify'], webauthn: BANK });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // User verification is 'preferred' unless the app asks for more (or less).
    expect(created.body.webauthn).toEqual({ ...BANK, user_verification: 'preferred' });
    expect((await findAppById(db.storage.db, created.body.app_id))?.webauthn).toEqual({ rpId: 'bank.example', origins: ['https://bank.example'] });
    const moved = { rp_id: 'bank.example', origins: ['https://bank.example', 'https://m.bank.example'], user_verification: 'required' };
    expect((await call('PATCH', `/admin/v1/applications/${created.body.app_id}`, { webauthn: moved })).body.webauthn).toEqual(moved);
    expect((await call('PATCH', `/admin/v1/applications/${created.body.app_id}`, { name: 'Bank 2' })).body.webauthn).toEqual(moved);
    expect((await findAppById(db.storage.db, created.body.app_id))?.webauthn?.userVerification).toBe('required');
    expect((await call('PATCH', `/admin/v1/applications/${created.body.app_id}`, { webauthn: null })).body.webauthn).toBeNull();
    expect((await findAppById(db.storage.db, created.body.app_id))?.webauthn).toBeNull();
  });

  it('an app created without it offers no passkeys (null)', async () => {
    const created = await call('POST', '/admin/v1/applications', { name: 'Plain', redirect_uris: ['https://plain.example/verify'] });
    expect(created.body.webauthn).toBeNull();
  });

  it('a relying party that may not be declared is a 400 naming the field, and nothing changes', async () => {
    const before = await db.storage.db.app.count();
    const refused = await call('POST', '/admin/v1/applications', {
      name: 'Evil',
      redirect_uris: ['https://evil.example/verify'],
      webauthn: { rp_id: 'bank.example', origins: ['https://evil.example'] },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toEqual([expect.stringMatching(/^body\.webauthn\.origins\.0 /)]);
    expect(await db.storage.db.app.count()).toBe(before);
    const app = await call('POST', '/admin/v1/applications', { name: 'Kept', redirect_uris: ['https://bank.example/verify'], webauthn: BANK });
    const patched = await call('PATCH', `/admin/v1/applications/${app.body.app_id}`, { webauthn: { rp_id: '10.0.0.1', origins: ['https://bank.example'] } });
    expect(patched.status).toBe(400);
    expect((await findAppById(db.storage.db, app.body.app_id))?.webauthn).toEqual({ rpId: 'bank.example', origins: ['https://bank.example'] });
  });

  it('the shape is closed: an unknown field or a missing origin list is refused', async () => {
    for (const webauthn of [{ rp_id: 'bank.example' }, { rp_id: 'bank.example', origins: ['https://bank.example'], extra: 1 }, { rp_id: 'bank.example', origins: [] }]) {
      const refused = await call('POST', '/admin/v1/applications', { name: 'Shape', redirect_uris: ['https://bank.example/verify'], webauthn });
      expect(refused.status, JSON.stringify(webauthn)).toBe(400);
    }
  });
});
