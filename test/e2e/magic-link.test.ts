import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-catcher.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// The magic-link flow end to end, as an app and its user would live it: a real listening server,
// a real database, nodemailer speaking SMTP to a loopback server, the link followed like a mail
// client would, and the ID token verified against the JWKS with jose like a client app would.

const REDIRECT = 'https://app.example/verify';
const MINUTE = 60_000;

let db: TestDatabase;
let smtp: SmtpCatcher;
let server: TestServer;
let client: TestClient;
let counter = 0;

beforeAll(async () => {
  db = await freshDatabase();
  smtp = await startSmtpCatcher();
  server = await startTestServer({ databaseUrl: db.url, smtpUrl: smtp.url });
  client = await server.createApp({ name: 'Shop', redirectUris: [REDIRECT], resources: ['https://api.shop.example'] });
});

afterAll(async () => {
  await server?.close();
  await smtp?.close();
  await db?.drop();
});

async function newUser(overrides: Record<string, unknown> = {}): Promise<{ id: string; email: string }> {
  const email = `user${++counter}@example.com`;
  const response = await client.call('POST', '/cis/v1/users', { email, ...overrides });
  expect(response.status).toBe(201);
  return { id: response.body.result.user_id, email };
}

function linkIn(text: string): string {
  const match = /(http:\/\/127\.0\.0\.1:\d+\/cis\/v1\/auth\/link\/email\/redirect\?token=[A-Za-z0-9_%-]+)/.exec(text);
  if (!match?.[1]) throw new Error(`no link in mail: ${text}`);
  return match[1];
}

/** Sends a link by email, reads the mail, follows the link: returns the code the app receives. */
async function codeByEmail(email: string, extra: Record<string, unknown> = {}): Promise<{ code: string; location: URL }> {
  const sent = await client.call('POST', '/cis/v1/auth/link/email/send', { identifier: email, identifier_type: 'email', redirect_uri: REDIRECT, ...extra });
  expect(sent.status, JSON.stringify(sent.body)).toBe(200);
  const mail = await smtp.nextMail();
  expect(mail.to).toEqual([email]);
  const followed = await fetch(linkIn(mail.text), { redirect: 'manual' });
  expect(followed.status).toBe(302);
  const location = new URL(followed.headers.get('location') ?? '');
  return { code: location.searchParams.get('code') ?? '', location };
}

const authenticate = (body: Record<string, unknown>) => client.call('POST', '/cis/v1/auth/link/email/authenticate', body);

describe('email magic link, end to end', () => {
  it('emails a link that redirects with code and state; the code buys tokens a client app can verify', async () => {
    const user = await newUser();
    const { code, location } = await codeByEmail(user.email, { state: 'csrf-123' });
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('csrf-123');

    const response = await authenticate({ code });
    expect(response.status).toBe(200);
    const tokens = response.body;
    expect(Object.keys(tokens).sort()).toEqual(['access_token', 'expires_in', 'id_token', 'refresh_token', 'session_id', 'token_type']);
    expect(tokens.token_type).toBe('Bearer');
    expect(tokens.expires_in).toBe(3600);
    expect(tokens.session_id.length).toBeGreaterThanOrEqual(22);

    const jwks = createRemoteJWKSet(new URL(`${server.url}/cis/oidc/jwks`));
    const now = new Date(server.clock.now());
    const { payload: id, protectedHeader } = await jwtVerify(tokens.id_token, jwks, { issuer: server.config.issuer, audience: client.clientId, currentDate: now });
    expect(protectedHeader.alg).toBe('RS256');
    expect(protectedHeader.kid).toBeTruthy();
    expect(id).toMatchObject({ sub: user.id, tid: client.tenantId, amr: ['eml'], auth_time: Math.floor(server.clock.now() / 1000) });
    expect(id.at_hash).toBeTruthy();
    const { payload: access } = await jwtVerify(tokens.access_token, jwks, { issuer: server.config.issuer, audience: 'userid-api', currentDate: now });
    expect(access).toMatchObject({ sub: user.id, tid: client.tenantId, client_id: client.clientId, app_id: client.appId, app_name: 'Shop' });

    // First login: Pending → Active, email verified.
    const after = await client.call('GET', `/cis/v1/users/${user.id}`);
    expect(after.body.result.status).toBe('Active');
    expect(after.body.result.email).toMatchObject({ value: user.email, email_verified: true });
  });

  it('following the link changes nothing: link scanners cannot burn the code', async () => {
    const user = await newUser();
    const sent = await client.call('POST', '/cis/v1/auth/link/email/send', { identifier: user.email, identifier_type: 'email', redirect_uri: REDIRECT });
    expect(sent.status).toBe(200);
    const link = linkIn((await smtp.nextMail()).text);
    for (let i = 0; i < 3; i++) expect((await fetch(link, { redirect: 'manual' })).status).toBe(302);
    const code = new URL((await fetch(link, { redirect: 'manual' })).headers.get('location') ?? '').searchParams.get('code');
    expect((await authenticate({ code })).status).toBe(200);
  });

  it('a code works once: a replay is 400 Invalid magic link code', async () => {
    const { code } = await codeByEmail((await newUser()).email);
    expect((await authenticate({ code })).status).toBe(200);
    const replay = await authenticate({ code });
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual({ message: 'Invalid magic link code', error_code: '400' });
  });

  it('the same code authenticated twice at once: exactly one 200', async () => {
    const { code } = await codeByEmail((await newUser()).email);
    const results = await Promise.all([authenticate({ code }), authenticate({ code }), authenticate({ code })]);
    const statuses = results.map((result) => result.status).sort();
    expect(statuses).toEqual([200, 400, 400]);
  });

  it('an expired link is refused, and stays refused', async () => {
    const { code } = await codeByEmail((await newUser()).email, { email_expiration: 5 });
    server.clock.advance(5 * MINUTE);
    try {
      const expired = await authenticate({ code });
      expect(expired.status).toBe(400);
      expect(expired.body).toEqual({ message: 'Invalid magic link code', error_code: '400' });
      server.clock.advance(-MINUTE);
      expect((await authenticate({ code })).status).toBe(400);
    } finally {
      server.clock.advance(-4 * MINUTE);
    }
  });

  it('honours the app default lifetime (15 minutes) when no email_expiration is given', async () => {
    const { code } = await codeByEmail((await newUser()).email);
    server.clock.advance(15 * MINUTE - 1000);
    try {
      expect((await authenticate({ code })).status).toBe(200);
    } finally {
      server.clock.advance(-(15 * MINUTE - 1000));
    }
  });

  it('a newer link replaces the earlier one', async () => {
    const user = await newUser();
    const first = await codeByEmail(user.email);
    const second = await codeByEmail(user.email);
    expect((await authenticate({ code: first.code })).status).toBe(400);
    expect((await authenticate({ code: second.code })).status).toBe(200);
  });

  it('with session_id, adds the login to that session and returns the same session', async () => {
    const user = await newUser();
    const first = await authenticate({ code: (await codeByEmail(user.email)).code });
    const second = await authenticate({ code: (await codeByEmail(user.email)).code, session_id: first.body.session_id });
    expect(second.status).toBe(200);
    expect(second.body.session_id).toBe(first.body.session_id);
  });

  it('an unknown or other user’s session_id is 400 Session not found, and the code is not burned', async () => {
    const alice = await newUser();
    const bob = await newUser();
    const aliceSession = (await authenticate({ code: (await codeByEmail(alice.email)).code })).body.session_id;
    const { code } = await codeByEmail(bob.email);
    for (const sessionId of ['no-such-session', aliceSession]) {
      const refused = await authenticate({ code, session_id: sessionId });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toBe('Session not found');
    }
    expect((await authenticate({ code })).status).toBe(200);
  });

  it('accepts the legacy email form and the direct channel (returns the link, sends nothing)', async () => {
    const user = await newUser();
    const before = smtp.mails.length;
    const direct = await client.call('POST', '/cis/v1/auth/link/email/send', { email: user.email, redirect_uri: REDIRECT, channel: 'direct' });
    expect(direct.status).toBe(200);
    expect(direct.body.message).toBeTruthy();
    expect(smtp.mails.length).toBe(before);
    const location = (await fetch(direct.body.link, { redirect: 'manual' })).headers.get('location') ?? '';
    expect((await authenticate({ code: new URL(location).searchParams.get('code') })).status).toBe(200);
  });

  it('generate_request_id binds the authenticate call to the send', async () => {
    const user = await newUser();
    const sent = await client.call('POST', '/cis/v1/auth/link/email/send', { email: user.email, redirect_uri: REDIRECT, channel: 'direct', generate_request_id: true });
    expect(typeof sent.body.request_id).toBe('string');
    const code = new URL((await fetch(sent.body.link, { redirect: 'manual' })).headers.get('location') ?? '').searchParams.get('code');
    const missing = await authenticate({ code });
    expect(missing.status).toBe(400);
    expect(missing.body.error_code).toBe('system_invalid_input');
    expect((await authenticate({ code, request_id: 'wrong' })).status).toBe(400);
    expect((await authenticate({ code, request_id: sent.body.request_id })).status).toBe(200);
  });

  it('email_content replaces the template (subject and texts, escaped)', async () => {
    const user = await newUser();
    await client.call('POST', '/cis/v1/auth/link/email/send', {
      email: user.email,
      redirect_uri: REDIRECT,
      email_content: { subject: 'Your Shop link', headerText: 'Hello <b>there</b>', senderName: 'Shop Team' },
    });
    const mail = await smtp.nextMail();
    expect(mail.subject).toBe('Your Shop link');
    expect(mail.fromName).toBe('Shop Team');
    expect(mail.html).toContain('Hello &lt;b&gt;there&lt;/b&gt;');
  });

  it('refuses a redirect_uri that is not on the app’s list, and an unknown user', async () => {
    const user = await newUser();
    const badRedirect = await client.call('POST', '/cis/v1/auth/link/email/send', { email: user.email, redirect_uri: 'https://evil.example/verify' });
    expect(badRedirect.status).toBe(400);
    expect(badRedirect.body).toEqual({ message: 'redirect_uri is not one of the allowed redirect URIs configured for this app', error_code: '400' });
    const prefix = await client.call('POST', '/cis/v1/auth/link/email/send', { email: user.email, redirect_uri: `${REDIRECT}/../evil` });
    expect(prefix.status).toBe(400);
    const unknown = await client.call('POST', '/cis/v1/auth/link/email/send', { email: 'nobody@example.com', redirect_uri: REDIRECT });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe('User not found');
  });

  it('another app cannot redeem this app’s code, nor see its users', async () => {
    const other = await server.createApp({ name: 'Other', redirectUris: [REDIRECT] });
    const user = await newUser();
    const { code } = await codeByEmail(user.email);
    const stolen = await other.call('POST', '/cis/v1/auth/link/email/authenticate', { code });
    expect(stolen.status).toBe(400);
    expect((await other.call('GET', `/cis/v1/users/${user.id}`)).status).toBe(404);
    expect((await authenticate({ code })).status).toBe(200);
  });

  it('stores only hashes of codes and sessions, and logs every transition of the flow', async () => {
    const user = await newUser();
    const { code } = await codeByEmail(user.email);
    const tokens = (await authenticate({ code })).body;
    const flows = await db.storage.db.flow.findMany({ where: { userId: user.id, kind: 'magic-link' } });
    expect(flows.length).toBe(1);
    expect(flows[0]?.secretHash).toMatch(/^[\w-]{43}$/);
    const sessions = await db.storage.db.session.findMany({ where: { userId: user.id } });
    expect(JSON.stringify(sessions)).not.toContain(tokens.session_id);
    // A 14-day session from the moment of login.
    expect(sessions[0]?.expiresAt.getTime()).toBe(server.clock.now() + 14 * 24 * 60 * MINUTE);
    const flow = flows[0];
    expect(flow?.stateValue).toBe('authenticated.redeemed');
    expect((flow?.events as { type: string; state: string }[]).map((event) => [event.type, event.state])).toEqual([
      ['xstate.init', 'issuing'],
      ['challenge.delivered', 'awaitingCode.waiting'],
      ['code.submit', 'authenticated.redeemed'],
    ]);
    expect(JSON.stringify(flow)).not.toContain(code);
    expect(JSON.stringify(flow)).not.toContain(tokens.session_id);
  });

  it('when SMTP refuses, the send answers 503 and nothing counts as sent', async () => {
    const user = await newUser();
    smtp.setFailure('temporary-failure');
    try {
      const sent = await client.call('POST', '/cis/v1/auth/link/email/send', { email: user.email, redirect_uri: REDIRECT });
      expect(sent.status).toBe(503);
      const flow = await db.storage.db.flow.findFirstOrThrow({ where: { userId: user.id, kind: 'magic-link' }, orderBy: { createdAt: 'desc' } });
      expect(flow.stateValue).toBe('deliveryFailed.undelivered');
    } finally {
      smtp.setFailure(null);
    }
  });

  it('limits sends per identifier: the sixth within a minute is 429 with Retry-After', async () => {
    const user = await newUser();
    const send = () => client.call('POST', '/cis/v1/auth/link/email/send', { email: user.email, redirect_uri: REDIRECT, channel: 'direct' });
    for (let i = 0; i < 5; i++) expect((await send()).status).toBe(200);
    const limited = await send();
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ message: 'Too many requests', error_code: 429 });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another identifier of the same app is not affected.
    const other = await newUser();
    expect((await client.call('POST', '/cis/v1/auth/link/email/send', { email: other.email, redirect_uri: REDIRECT, channel: 'direct' })).status).toBe(200);
  });

  it('honours claims requests and resource: optional claims appear only when asked, resource becomes aud', async () => {
    const user = await newUser({ name: { first_name: 'Ada', last_name: 'Lovelace' }, custom_data: { tier: 'gold', internal: 'x' } });
    const plain = await authenticate({ code: (await codeByEmail(user.email)).code });
    const jwks = createRemoteJWKSet(new URL(`${server.url}/cis/oidc/jwks`));
    const options = { issuer: server.config.issuer, currentDate: new Date(server.clock.now()) };
    const { payload: plainId } = await jwtVerify(plain.body.id_token, jwks, { ...options, audience: client.clientId });
    expect(plainId.email).toBeUndefined();
    expect(plainId.fname).toBeUndefined();

    const asked = await authenticate({
      code: (await codeByEmail(user.email)).code,
      resource: 'https://api.shop.example',
      claims: { id_token: { email: null, email_verified: null, fname: null, custom_data: { fields: ['tier'] } }, access_token: { email: null } },
    });
    expect(asked.status).toBe(200);
    const { payload: id } = await jwtVerify(asked.body.id_token, jwks, { ...options, audience: client.clientId });
    expect(id).toMatchObject({ email: user.email, email_verified: true, fname: 'Ada', custom_data: { tier: 'gold' } });
    expect((id.custom_data as Record<string, unknown>).internal).toBeUndefined();
    const { payload: access } = await jwtVerify(asked.body.access_token, jwks, { ...options, audience: 'https://api.shop.example' });
    expect(access.email).toBe(user.email);

    const unknownResource = await authenticate({ code: (await codeByEmail(user.email)).code, resource: 'https://elsewhere.example' });
    expect(unknownResource.status).toBe(400);
  });
});
