import { createRemoteJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../../src/engine/definition.js';
import { fromJson } from '../helpers/stored-json.js';
import { readSession } from '../../src/repositories/session-repository.js';
import { authenticate, client, codeByEmail, db, linkIn, MINUTE, newUser, REDIRECT, server, smtp, useMagicLinkFixture } from '../helpers/magic-link-fixture.js';

// The magic-link flow end to end, as an app and its user would live it: a real listening server,
// a real database, nodemailer speaking SMTP to a loopback server, the link followed like a mail
// client would, and the ID token verified against the JWKS with jose like a client app would.
// This file: the link and its code from send to tokens (lifetimes, replays, sessions, options,
// claims). What the flow refuses, stores and limits: magic-link-safety.test.ts.

useMagicLinkFixture({ listen: true });

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

  it('an unknown or other user’s session_id is 400 Session not found, and the code is not burned; each refusal is in the flow’s log, and the other user’s in the session’s', async () => {
    const alice = await newUser();
    const bob = await newUser();
    const aliceSession = (await authenticate({ code: (await codeByEmail(alice.email)).code })).body.session_id;
    const { code } = await codeByEmail(bob.email);
    for (const sessionId of ['no-such-session', aliceSession]) {
      const refused = await authenticate({ code, session_id: sessionId });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toBe('Session not found');
    }
    const flow = await db.storage.db.flow.findFirstOrThrow({ where: { userId: bob.id, kind: 'magic-link' }, orderBy: { createdAt: 'desc' } });
    expect(
      fromJson<LoggedEvent[]>(flow.events)
        .filter((event) => event.type === 'code.submit')
        .map((event) => [event.state, event.fields.session]),
    ).toEqual([
      ['awaitingCode.sessionRefused', 'refused'],
      ['awaitingCode.sessionRefused', 'refused'],
    ]);
    const session = await db.storage.db.session.findFirstOrThrow({ where: { userId: alice.id } });
    expect(((await readSession(db.storage.db, session.id))?.events ?? []).map((event) => [event.type, event.state, event.fields])).toContainEqual([
      'session.authenticate',
      'active.refused',
      { userId: bob.id, method: 'eml' },
    ]);
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
