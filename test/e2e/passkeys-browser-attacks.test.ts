import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, originOf, type TestBrowser } from '../helpers/browser.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { ACCOUNT } from '../helpers/otp-fixture.js';
import { helperAuthenticate, lastCall, openSamplePage, type SamplePage } from '../helpers/passkeys-page.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';
import { startTwilioStub, type TwilioStub } from '../helpers/twilio-stub.js';
import type { VirtualAuthenticatorOptions } from '../helpers/webauthn.js';

// Passkeys in a real browser (issue 18 point 5), the cases beyond a plain login: a cloned
// authenticator (its signature counter rewound) refused until the passkey is revoked, a passkey of
// one app's relying party refused by another app, and a passkey as the second factor of an SMS
// login. Headless Chromium drives the sample page (GET /dev/passkeys) against a real listening
// server whose email goes to the dev outbox (the page reads its codes there) and whose SMS goes
// to a Twilio stub. One browser, one server; a fresh tab per case.

let db: TestDatabase;
let twilio: TwilioStub;
let server: TestServer;
let browser: TestBrowser;
let port: string;

beforeAll(async () => {
  db = await freshDatabase();
  twilio = await startTwilioStub(ACCOUNT);
  server = await startTestServer({ databaseUrl: db.url, listen: true, twilio: { url: twilio.url, ...ACCOUNT } });
  port = new URL(server.url).port;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await twilio?.close();
  await db?.drop();
});

const tabs: SamplePage[] = [];
const PLATFORM: VirtualAuthenticatorOptions = { transport: 'internal', residentKey: true, userVerification: true };

/** An app whose relying party is `host` (a loopback name, so http: is a secure context), served there. */
async function appOn(host: string, name: string): Promise<{ app: TestClient; origin: string }> {
  const origin = `http://${host}:${port}`;
  return { app: await server.createApp({ name, webauthn: { rp_id: host, origins: [origin] } }), origin };
}

async function tab(origin: string, app: TestClient, options: VirtualAuthenticatorOptions = PLATFORM): Promise<SamplePage> {
  for (const open of tabs.splice(0)) await open.close();
  const sample = await openSamplePage(browser.context, origin, app, options);
  tabs.push(sample);
  return sample;
}

/** A user signed in with an email code who registered a passkey in the page. */
async function registered(origin: string, app: TestClient, email: string): Promise<SamplePage> {
  const sample = await tab(origin, app);
  await sample.signInWithEmail(email);
  expect(await sample.step('register')).toBe('');
  expect(await lastCall(sample)).toBe('POST /cis/v1/auth/webauthn/register → 200');
  return sample;
}

const CLONE_REFUSED = 'POST /cis/v1/auth/webauthn/authenticate → 403 403 The passkey was refused: its signature counter went backwards (possible clone); revoke it and register a new one';

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));

/** The options of a passkey login the app's backend started (POST …/authenticate/start, no token). */
async function loginOptions(body: { client_id: string; username?: string }): Promise<unknown> {
  const response = await fetch(`${server.url}/cis/v1/auth/webauthn/authenticate/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer: unknown = await response.json();
  expect(response.status).toBe(200);
  if (typeof answer !== 'object' || answer === null || !('credential_request_options' in answer)) throw new Error(`no options: ${JSON.stringify(answer)}`);
  return answer.credential_request_options;
}

describe('passkeys under attack, through the sample page in Chromium', () => {
  it('a cloned authenticator (counter rewound) is refused with 403, and every later login too, until the user revokes the passkey', async () => {
    const { app, origin } = await appOn('localhost', 'Passkeys clone');
    const sample = await registered(origin, app, 'clone@example.com');
    // The authenticator as it is now: a copy of it, taken by whoever cloned the device.
    const [snapshot] = await sample.authenticator.credentials();
    if (snapshot === undefined) throw new Error('the authenticator holds no credential');
    for (const _ of [1, 2]) {
      expect(await sample.step('login')).toBe('');
      expect(await sample.text('amr')).toBe('["webauthn"]');
    }
    const genuine = (await sample.authenticator.credentials())[0]?.signCount ?? 0;
    expect(genuine).toBeGreaterThan(snapshot.signCount);

    await sample.authenticator.removeCredential(snapshot.credentialId);
    await sample.authenticator.addCredential(snapshot);
    expect(await sample.step('login')).toBe(CLONE_REFUSED);
    expect(await sample.listed()).toEqual([expect.stringContaining('clone@example.com · platform · clone_suspected')]);
    // Suspended: refused still, up to and past the login whose counter passes the last good one.
    while (((await sample.authenticator.credentials())[0]?.signCount ?? 0) <= genuine) {
      expect(await sample.step('login')).toBe(CLONE_REFUSED);
    }
    expect(await sample.text('amr')).toBe('["webauthn"]');

    expect(await sample.step('revoke')).toBe('');
    expect(await sample.page.getByTestId('credential').count()).toBe(0);
    expect(await sample.text('credentials')).toBe('No passkeys.');
  });

  it("a passkey made for one app's relying party (bank.localhost) signs nothing for another's (shop.localhost)", async () => {
    const bank = await appOn('bank.localhost', 'Bank');
    const shop = await appOn('shop.localhost', 'Shop');
    // The server serves the sample page on any host name: each app's page runs on its own origin.
    const bankTab = await registered(bank.origin, bank.app, 'cross@example.com');
    expect(bankTab.page.url()).toContain(`${bank.origin}/dev/passkeys`);
    expect(await bankTab.step('login')).toBe('');
    expect(await bankTab.text('amr')).toBe('["webauthn"]');
    const [credential] = await bankTab.authenticator.credentials();
    expect(credential?.rpId).toBe('bank.localhost');

    // A result made for a bank ceremony, on the bank's origin, then handed to the shop's backend:
    // it names a ceremony the shop never started, so the shop answers "not found".
    const forBank = await helperAuthenticate(bankTab.page, await loginOptions({ client_id: bank.app.clientId, username: 'cross@example.com' }));
    if (!('value' in forBank)) throw new Error(`the bank's login failed in the browser: ${forBank.error}`);
    expect((await shop.app.call('POST', '/cis/v1/auth/webauthn/authenticate', { webauthn_encoded_result: forBank.value })).body).toEqual({
      message: 'WebAuthn session not found; start a new one',
      error_code: 400,
    });
    // The bank's page cannot even ask for the shop's relying party: not a domain its origin is on.
    expect(await helperAuthenticate(bankTab.page, await loginOptions({ client_id: shop.app.clientId }))).toEqual({ error: expect.stringMatching(/^SecurityError: /) });

    // The same device (the credential copied in) on the shop's page: the browser holds nothing for
    // shop.localhost, so it refuses by itself, with the username (the shop's start answers decoy
    // credential ids for a name it does not know) and without; the shop's server sees no result.
    const shopTab = await tab(shop.origin, shop.app);
    if (credential !== undefined) await shopTab.authenticator.addCredential(credential);
    await shopTab.page.getByTestId('username').fill('cross@example.com');
    expect(await shopTab.step('login')).toMatch(/^NotAllowedError: /);
    await shopTab.page.getByTestId('username').fill('');
    expect(await shopTab.step('login')).toMatch(/^NotAllowedError: /);
    expect(await lastCall(shopTab)).toBe('POST /cis/v1/auth/webauthn/authenticate/start → 200');
    expect(await shopTab.text('amr')).toBe('–');
  });

  it('a passkey as the second factor of an SMS login gives amr ["sms","webauthn","mfa"] on the same session', async () => {
    const { app, origin } = await appOn('localhost', 'Passkeys MFA');
    const phone = '+447911123499';
    const created = await app.call('POST', '/cis/v1/users', { email: 'mfa@example.com', phone_number: phone });
    expect(created.status).toBe(201);
    const sample = await registered(origin, app, 'mfa@example.com');

    // The first factor over the API, as the app's backend would: an SMS code from the Twilio stub.
    expect((await app.call('POST', '/cis/v1/auth/otp/send', { channel: 'sms', identifier_type: 'phone_number', identifier: phone })).status).toBe(200);
    const code = /\b(\d{4,8})\b/.exec((await twilio.nextMessage()).body)?.[1];
    const sms = await app.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: code, identifier_type: 'phone_number', identifier: phone });
    expect(sms.status).toBe(200);
    expect(claimsOf(sms.body.id_token).amr).toEqual(['sms']);

    // The second in the page: the served helper module signs the ceremony, the backend names the session.
    const signed = await helperAuthenticate(sample.page, await loginOptions({ client_id: app.clientId, username: 'mfa@example.com' }));
    if (!('value' in signed)) throw new Error(`the passkey login failed in the browser: ${signed.error}`);
    const login = await app.call('POST', '/cis/v1/auth/webauthn/authenticate', { webauthn_encoded_result: signed.value, session_id: sms.body.session_id });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    expect(login.body.session_id).toBe(sms.body.session_id);
    expect(claimsOf(login.body.id_token)).toMatchObject({ sub: created.body.result.user_id, amr: ['sms', 'webauthn', 'mfa'] });
  });

  it("each app's page requested nothing off its own origin", () => {
    const origins = new Set(['localhost', 'bank.localhost', 'shop.localhost'].map((host) => `http://${host}:${port}`));
    expect(browser.requests.map(originOf).filter((requested) => !origins.has(requested))).toEqual([]);
  });
});
