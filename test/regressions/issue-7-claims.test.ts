import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// Issue 7 §2: a claims request names claims and fields; those names reach only own properties of
// our own tables (a Map of known claims, Object.hasOwn for fields). "constructor" used to resolve
// to Object() and put the internal user record into the token; "hasOwnProperty" threw after the
// code was consumed (a burned code and a 500).

const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);
/** Everything an ID or access token may carry: the defaults, the registered claims and the optional user claims. */
const ALLOWED = new Set([
  'sub',
  'tid',
  'aud',
  'exp',
  'iat',
  'iss',
  'jti',
  'auth_time',
  'amr',
  'at_hash',
  'scope',
  'roles',
  'client_id',
  'app_id',
  'app_name',
  'approval_data',
  'sid',
  'email',
  'email_verified',
  'phone_number',
  'phone_number_verified',
  'username',
  'fname',
  'lname',
  'mname',
  'birthday',
  'address',
  'address_type',
  'street_address',
  'city',
  'country',
  'picture',
  'language',
  'secondary_emails',
  'secondary_phone_numbers',
  'external_account_id',
  'external_user_id',
  'created_at',
  'last_auth',
  'custom_data',
  'custom_app_data',
  'groups',
  'new_user',
]);

let db: TestDatabase;
let server: TestServer;
let client: TestClient;
let counter = 0;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer({ databaseUrl: db.url });
  client = await server.createApp({ name: 'Claims' });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

async function directCode(): Promise<{ email: string; code: string }> {
  counter += 1;
  const email = `claims${counter}@example.com`;
  expect((await client.call('POST', '/cis/v1/users', { email, custom_data: { tier: 'gold' } })).status).toBe(201);
  const sent = await client.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'email', identifier: email });
  return { email, code: sent.body.code };
}

const everyPrototypeName = Object.fromEntries(PROTOTYPE_NAMES.filter((name) => name !== '__proto__').map((name) => [name, null]));

describe('issue 7: claims requests reach own properties only', () => {
  it('every Object.prototype name as a claim is ignored: 200, and no internal field reaches either token', async () => {
    const { email, code } = await directCode();
    const answer = await client.call('POST', '/cis/v1/auth/otp/authenticate', {
      passcode: code,
      identifier_type: 'email',
      identifier: email,
      claims: { id_token: { ...everyPrototypeName, email: null }, access_token: everyPrototypeName },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    for (const token of [answer.body.id_token, answer.body.access_token]) {
      const payload = decodeJwt(token);
      for (const name of Object.keys(payload)) expect(ALLOWED.has(name), `claim ${name}`).toBe(true);
      expect(JSON.stringify(payload)).not.toMatch(/tenantId|status|profile|customData|statusChangedAt|function/);
    }
    expect(decodeJwt(answer.body.id_token).email).toBe(email);
  });

  it('Object.prototype names as custom_data fields pick nothing inherited', async () => {
    const { email, code } = await directCode();
    const answer = await client.call('POST', '/cis/v1/auth/otp/authenticate', {
      passcode: code,
      identifier_type: 'email',
      identifier: email,
      claims: { id_token: { custom_data: { fields: [...PROTOTYPE_NAMES, 'tier'] } } },
    });
    expect(answer.status).toBe(200);
    expect(decodeJwt(answer.body.id_token).custom_data).toEqual({ tier: 'gold' });
  });

  it('a body naming __proto__ is refused with a 400 before anything is consumed; the code still works', async () => {
    const { email, code } = await directCode();
    const raw = `{"passcode":"${code}","identifier_type":"email","identifier":"${email}","claims":{"id_token":{"__proto__":null}}}`;
    const token = await client.token();
    const refused = await fetch(`${server.url}/cis/v1/auth/otp/authenticate`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: raw });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error_code: 400 });
    expect((await client.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: code, identifier_type: 'email', identifier: email })).status).toBe(200);
  });

  it('silent authentication and refresh resolve claims the same way (no 500, nothing inherited)', async () => {
    const { email, code } = await directCode();
    const login = await client.call('POST', '/cis/v1/auth/otp/authenticate', {
      passcode: code,
      identifier_type: 'email',
      identifier: email,
      claims: { id_token: { hasOwnProperty: null, valueOf: null } },
    });
    expect(login.status).toBe(200);
    const silent = await client.call('POST', '/cis/v1/auth/session/authenticate', { session_id: login.body.session_id, claims: { id_token: { constructor: null, toString: null } } });
    expect(silent.status).toBe(200);
    expect(Object.keys(decodeJwt(silent.body.id_token)).every((name) => ALLOWED.has(name))).toBe(true);
    const refreshed = await client.call('POST', '/cis/v1/auth/token/refresh', { refresh_token: login.body.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(Object.keys(decodeJwt(refreshed.body.id_token)).every((name) => ALLOWED.has(name))).toBe(true);
  });
});
