import { describe, expect, it } from 'vitest';
import { createSoftAuthenticator, encodeResult, type SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { db, server, twilio, useOtpFixture } from '../helpers/otp-fixture.js';
import type { TestClient } from '../helpers/test-server.js';

// Passkeys over Mosaic's paths (issue 18, mosaic-backend-api.md §2.14) against a real listening
// server and database, with a software authenticator in place of the browser: registration with
// the user's token, login with and without a username, as a second factor, single use, expiry, a
// cloned authenticator, another app's ceremony and relying party, revocation, external register.

useOtpFixture({ listen: true });

const BANK = { rp_id: 'bank.localhost', origins: ['https://bank.localhost'] };
const ORIGIN = 'https://bank.localhost';
let users = 0;

async function call(path: string, body: unknown, token?: string) {
  const headers: Record<string, string> = { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) };
  const response = await fetch(`${server.url}${path}`, { method: 'POST', headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : JSON.parse(text) };
}

async function get(path: string, token: string) {
  const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as any };
}

/** A new user of `app`, logged in with an SMS code: their access token and session. */
async function loggedIn(app: TestClient) {
  users += 1;
  const phone = `+4479112233${String(users).padStart(2, '0')}`;
  const created = await app.call('POST', '/cis/v1/users', { email: `pk${users}@example.com`, phone_number: phone });
  expect(created.status).toBe(201);
  expect((await app.call('POST', '/cis/v1/auth/otp/send', { channel: 'sms', identifier_type: 'phone_number', identifier: phone })).status).toBe(200);
  const code = /\b(\d{6})\b/.exec((await twilio.nextMessage()).body)?.[1];
  const login = await app.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: code, identifier_type: 'phone_number', identifier: phone });
  expect(login.status).toBe(200);
  return { userId: created.body.result.user_id as string, token: login.body.access_token as string, sessionId: login.body.session_id as string };
}

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));

async function registerPasskey(app: TestClient, authenticator: SoftAuthenticator, user: { token: string }, username: string, origin = ORIGIN) {
  const started = await call('/cis/v1/auth/webauthn/register/start', { client_id: app.clientId, username, display_name: `${username}'s key` });
  expect(started.status).toBe(200);
  const response = authenticator.register(started.body.credential_creation_options, origin);
  return call('/cis/v1/auth/webauthn/register', { webauthn_encoded_result: encodeResult(response) }, user.token);
}

async function startLogin(app: TestClient, username?: string) {
  const started = await call('/cis/v1/auth/webauthn/authenticate/start', { client_id: app.clientId, ...(username === undefined ? {} : { username }) });
  expect(started.status).toBe(200);
  return started.body as { webauthn_session_id: string; credential_request_options: any };
}

async function logIn(app: TestClient, authenticator: SoftAuthenticator, username?: string, extra: object = {}, origin = ORIGIN) {
  const { credential_request_options: options } = await startLogin(app, username);
  return app.call('POST', '/cis/v1/auth/webauthn/authenticate', { webauthn_encoded_result: encodeResult(authenticator.authenticate(options, origin)), ...extra });
}

describe('passkeys over the API', () => {
  it('registers with the user token, then logs in with and without the username (amr webauthn)', async () => {
    const bank = await server.createApp({ name: 'Bank PK', webauthn: BANK });
    const user = await loggedIn(bank);
    const authenticator = createSoftAuthenticator();
    const registered = await registerPasskey(bank, authenticator, user, 'alice');
    expect(registered.status, JSON.stringify(registered.body)).toBe(200);
    const [credential] = authenticator.credentials();
    expect(registered.body).toEqual({
      webauthn_session_id: expect.any(String),
      user_id: user.userId,
      webauthn_username: 'alice',
      credential_id: credential?.id,
      authenticator_attachment: 'platform',
      aaguid: '00000000-0000-0000-0000-000000000000',
    });
    const listed = await get('/cis/v1/users/me/webauthn/credentials', user.token);
    expect(listed.body.credentials).toEqual([expect.objectContaining({ credential_id: credential?.id, webauthn_username: 'alice', display_name: "alice's key", state: 'active', last_used_at: null })]);

    for (const username of ['alice', undefined]) {
      const login = await logIn(bank, authenticator, username);
      expect(login.status, JSON.stringify(login.body)).toBe(200);
      expect(claimsOf(login.body.id_token)).toMatchObject({ sub: user.userId, amr: ['webauthn'] });
    }
    const row = await db.storage.db.credential.findFirstOrThrow({ where: { userId: user.userId, kind: 'passkey' } });
    expect(row.stateValue).toBe('active.authenticated');
    // Each ceremony ended done, its log the whole story (verdicts, never the result or a key).
    const ceremonies = await db.storage.db.flow.findMany({ where: { appId: bank.appId, kind: 'webauthn' }, orderBy: { createdAt: 'asc' } });
    expect(ceremonies.map((flow) => flow.stateValue)).toEqual(['done.completed', 'done.completed', 'done.completed']);
    expect(ceremonies[1]?.events).toMatchObject([{ type: 'xstate.init' }, { type: 'webauthn.submit' }, { type: 'webauthn.asserted' }, { type: 'webauthn.concluded' }]);
    expect(row.context).toMatchObject({ counter: 3, webauthnUsername: 'alice' });
    // The public key is the row's; neither it nor the result is in any log entry.
    const log = JSON.stringify(await db.storage.db.credentialEvent.findMany({ where: { credentialId: row.id } }));
    expect(log).not.toContain(row.secret);
  });

  it('a passkey as the second factor of an SMS login gives amr ["sms","webauthn","mfa"] on the same session', async () => {
    const bank = await server.createApp({ name: 'Bank MFA', webauthn: BANK });
    const user = await loggedIn(bank);
    const authenticator = createSoftAuthenticator();
    expect((await registerPasskey(bank, authenticator, user, 'mfa-user')).status).toBe(200);
    const login = await logIn(bank, authenticator, 'mfa-user', { session_id: user.sessionId });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    expect(login.body.session_id).toBe(user.sessionId);
    expect(claimsOf(login.body.id_token).amr).toEqual(['sms', 'webauthn', 'mfa']);
    // Another user's session cannot take this user's passkey.
    const other = await loggedIn(bank);
    expect((await logIn(bank, authenticator, 'mfa-user', { session_id: other.sessionId })).body.error_code).toBe(400);
  });

  it('a ceremony is single use and expires with its timeout; a result goes to no ceremony of another app', async () => {
    const bank = await server.createApp({ name: 'Bank Once', webauthn: BANK });
    const shop = await server.createApp({ name: 'Shop Once', webauthn: { rp_id: 'shop.localhost', origins: ['https://shop.localhost'] } });
    const user = await loggedIn(bank);
    const authenticator = createSoftAuthenticator();
    expect((await registerPasskey(bank, authenticator, user, 'once')).status).toBe(200);
    const { credential_request_options: options } = await startLogin(bank, 'once');
    const encoded = encodeResult(authenticator.authenticate(options, ORIGIN));
    expect((await shop.call('POST', '/cis/v1/auth/webauthn/authenticate', { webauthn_encoded_result: encoded })).body).toEqual({
      message: 'WebAuthn session not found; start a new one',
      error_code: 400,
    });
    const both = await Promise.all([0, 1].map(() => bank.call('POST', '/cis/v1/auth/webauthn/authenticate', { webauthn_encoded_result: encoded })));
    expect(both.map((answer) => answer.status).sort()).toEqual([200, 400]);
    expect(both.find((answer) => answer.status === 400)?.body.message).toBe('The WebAuthn session was already used; start a new one');

    const late = await startLogin(bank, 'once');
    server.clock.advance(300_000);
    const expired = await bank.call('POST', '/cis/v1/auth/webauthn/authenticate', { webauthn_encoded_result: encodeResult(authenticator.authenticate(late.credential_request_options, ORIGIN)) });
    expect(expired.body.message).toBe('The WebAuthn session has expired; start a new one');
  });

  it('a cloned authenticator (counter rewound) is refused, and so is every later login, until the passkey is revoked', async () => {
    const bank = await server.createApp({ name: 'Bank Clone', webauthn: BANK });
    const user = await loggedIn(bank);
    const genuine = createSoftAuthenticator();
    expect((await registerPasskey(bank, genuine, user, 'cloned')).status).toBe(200);
    const clone = genuine.clone();
    expect((await logIn(bank, genuine, 'cloned')).status).toBe(200);
    const cloned = await logIn(bank, clone, 'cloned');
    expect(cloned.status).toBe(403);
    expect(cloned.body.message).toMatch(/possible clone/);
    expect((await logIn(bank, genuine, 'cloned')).status).toBe(403);
    const listed = await get('/cis/v1/users/me/webauthn/credentials', user.token);
    expect(listed.body.credentials[0].state).toBe('clone_suspected');
    const row = await db.storage.db.credential.findFirstOrThrow({ where: { userId: user.userId, kind: 'passkey' } });
    expect(row.stateValue).toBe('suspended.refusing');
    const events = await db.storage.db.credentialEvent.findMany({ where: { credentialId: row.id }, orderBy: { seq: 'asc' } });
    expect(events.map((event) => event.state)).toEqual(['active.authenticated', 'suspended.cloneSuspected', 'suspended.refusing']);
    // The operator's view: the passkey's chart, state and log (both counters), replayed to its state; no key.
    const view = await fetch(`${server.url}/admin/v1/credentials/${row.id}`, { headers: { authorization: `Bearer ${server.config.adminToken}` } });
    const shown = (await view.json()) as any;
    expect(shown).toMatchObject({ machine: 'passkey', state: 'suspended.refusing', replays: true, context: { counter: 2 } });
    expect(shown.events.find((event: { type: string; state: string }) => event.state === 'suspended.cloneSuspected')).toMatchObject({ type: 'passkey.assert', fields: { counter: 2 } });
    expect(JSON.stringify(shown)).not.toContain(row.secret);
    // Revoked by the user: forgotten, and its logins are as a stranger's.
    const credentialId = listed.body.credentials[0].credential_id;
    expect((await call(`/cis/v1/users/me/webauthn/credentials/${credentialId}/revoke`, undefined, user.token)).status).toBe(204);
    expect((await db.storage.db.credential.findUniqueOrThrow({ where: { id: row.id } })).secret).toBe('');
    // Its username now lists none of it (the browser finds nothing to sign with); usernameless, it is unknown.
    expect((await logIn(bank, genuine)).body.message).toBe('Passkey not found');
  });

  it('refuses a result from an origin the app does not list, and one made for another relying party', async () => {
    const bank = await server.createApp({ name: 'Bank RP', webauthn: BANK });
    // Shop lists Bank's origin too, under its own RP id: the browser's result names Bank's RP.
    const shop = await server.createApp({ name: 'Shop RP', webauthn: { rp_id: 'shop.localhost', origins: ['https://shop.localhost'] } });
    const user = await loggedIn(shop);
    const authenticator = createSoftAuthenticator();
    const wrongOrigin = await registerPasskey(shop, authenticator, user, 'rp-user', ORIGIN);
    expect(wrongOrigin.body.message).toBe('The origin of the WebAuthn result is not one of the origins configured for this app');
    const started = await call('/cis/v1/auth/webauthn/register/start', { client_id: shop.clientId, username: 'rp-user' });
    const options = { ...started.body.credential_creation_options, rp: { ...started.body.credential_creation_options.rp, id: 'bank.localhost' } };
    const wrongRp = await call('/cis/v1/auth/webauthn/register', { webauthn_encoded_result: encodeResult(authenticator.register(options, 'https://shop.localhost')) }, user.token);
    expect(wrongRp.body.message).toBe('The WebAuthn result was made for another relying party');
    expect(bank.appId).not.toBe(shop.appId);
  });

  it('user verification required: an authenticator that did not verify the user is refused', async () => {
    const strict = await server.createApp({ name: 'Bank UV', webauthn: { ...BANK, user_verification: 'required' } });
    const user = await loggedIn(strict);
    const authenticator = createSoftAuthenticator({ userVerification: false });
    expect((await registerPasskey(strict, authenticator, user, 'uv')).body.message).toBe('webauthn_encoded_result is not a valid WebAuthn result');
    authenticator.setUserVerification(true);
    expect((await registerPasskey(strict, authenticator, user, 'uv')).status).toBe(200);
    authenticator.setUserVerification(false);
    expect((await logIn(strict, authenticator, 'uv')).status).toBe(400);
  });

  it("a username whose passkeys are another user's is refused (409); unknown usernames get options of the same shape", async () => {
    const bank = await server.createApp({ name: 'Bank Names', webauthn: BANK });
    const [first, second] = [await loggedIn(bank), await loggedIn(bank)];
    expect((await registerPasskey(bank, createSoftAuthenticator(), first, 'taken')).status).toBe(200);
    expect(await registerPasskey(bank, createSoftAuthenticator(), second, 'taken')).toEqual({ status: 409, body: { message: 'This WebAuthn username belongs to another user', error_code: 409 } });
    const known = await startLogin(bank, 'taken');
    const unknown = await startLogin(bank, 'nobody');
    expect(unknown.credential_request_options.allowCredentials).toHaveLength(known.credential_request_options.allowCredentials.length);
    expect((await startLogin(bank, 'nobody')).credential_request_options.allowCredentials).toEqual(unknown.credential_request_options.allowCredentials);
  });

  it('the app registers for its external user (created once), lists and revokes; start validates its input', async () => {
    const bank = await server.createApp({ name: 'Bank External', webauthn: BANK });
    const authenticator = createSoftAuthenticator({ attachment: 'cross-platform' });
    const started = await call('/cis/v1/auth/webauthn/register/start', { client_id: bank.clientId, username: 'ext' });
    const encoded = encodeResult(authenticator.register(started.body.credential_creation_options, ORIGIN));
    const created = await bank.call('POST', '/cis/v1/auth/webauthn/external/register', { webauthn_encoded_result: encoded, external_user_id: 'crm-42', user_email: 'crm42@example.com' });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body).toMatchObject({ external_user_id: 'crm-42', is_user_created: true, authenticator_attachment: 'cross-platform', webauthn_username: 'ext' });
    const again = await call('/cis/v1/auth/webauthn/register/start', { client_id: bank.clientId, username: 'ext' });
    const second = createSoftAuthenticator();
    const kept = await bank.call('POST', '/cis/v1/auth/webauthn/external/register', {
      webauthn_encoded_result: encodeResult(second.register(again.body.credential_creation_options, ORIGIN)),
      external_user_id: 'crm-42',
    });
    expect(kept.body).toMatchObject({ is_user_created: false, user_id: created.body.user_id });
    const listed = await bank.call('GET', `/cis/v1/users/${created.body.user_id}/webauthn/credentials`);
    expect(listed.body.credentials).toHaveLength(2);
    const revoked = await bank.call('POST', `/cis/v1/users/${created.body.user_id}/webauthn/credentials/${created.body.credential_id}/revoke`);
    expect(revoked.status).toBe(204);
    expect((await bank.call('GET', `/cis/v1/users/${created.body.user_id}/webauthn/credentials`)).body.credentials).toHaveLength(1);
    // Another app sees neither the user nor the passkey.
    const shop = await server.createApp({ name: 'Shop External', webauthn: BANK });
    expect((await shop.call('GET', `/cis/v1/users/${created.body.user_id}/webauthn/credentials`)).status).toBe(404);

    for (const body of [{ client_id: bank.clientId, username: 'x', timeout: 29 }, { client_id: bank.clientId, username: 'x', timeout: 601 }, { username: 'x' }]) {
      expect((await call('/cis/v1/auth/webauthn/register/start', body)).status).toBe(400);
    }
    expect((await call('/cis/v1/auth/webauthn/register/start', { client_id: 'nope', username: 'x' })).status).toBe(404);
    const plain = await server.createApp({ name: 'No passkeys' });
    expect((await call('/cis/v1/auth/webauthn/authenticate/start', { client_id: plain.clientId })).body.message).toBe('Passkeys are not configured for this app (no WebAuthn relying party)');
    expect((await call('/cis/v1/auth/webauthn/authenticate/start', { client_id: bank.clientId, approval_data: { amount: 1 } })).status).toBe(400);
    expect((await bank.call('POST', '/cis/v1/auth/webauthn/authenticate', { webauthn_encoded_result: 'not base64!' })).body.message).toMatch(/not base64/);
  });
});
