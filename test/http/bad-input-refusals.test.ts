import { describe, expect, it } from 'vitest';
import { AUTHENTICATE, client, clientToken, db, json, raw, REDIRECT, SEND, useBadInputFixture, userEmail, validSend } from '../helpers/bad-input-fixture.js';

// Whatever a caller sends, the answer is a documented 4xx in the documented shape (keystate-server.md
// §5 item 1): never a 500, never a stack trace, and a refused request leaves nothing behind. This
// file: a missing or wrong client access token, unknown routes, and what refused requests leave in
// the database. Malformed and ill-typed bodies: bad-input.test.ts.

useBadInputFixture();

describe('the client access token', () => {
  it('no bearer is 401 Invalid token, before the body is even looked at', async () => {
    for (const path of [SEND, AUTHENTICATE]) {
      const missing = await json(path, validSend, null);
      expect(missing.status).toBe(401);
      expect(missing.body).toEqual({ message: 'Invalid token', error_code: 401 });
      const malformedToo = await raw(path, { headers: { 'content-type': 'application/json' }, body: '{oops' }, null);
      expect(malformedToo.status).toBe(401);
    }
  });

  it('a garbage bearer, another scheme or a tampered token is 401 Invalid token', async () => {
    const [header, payload, signature] = clientToken.split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), app_id: 'other' })).toString('base64url')}.${signature}`;
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'client+jwt' })).toString('base64url')}.${payload}.`;
    for (const path of [SEND, AUTHENTICATE]) {
      for (const bearer of ['garbage', 'a.b.c', tampered, unsigned, `${clientToken}x`, '']) {
        const answer = await json(path, validSend, bearer);
        expect(answer.status, bearer).toBe(401);
        expect(answer.body).toEqual({ message: 'Invalid token', error_code: 401 });
      }
      const basic = await raw(
        path,
        { headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}` }, body: JSON.stringify(validSend) },
        null,
      );
      expect(basic.status).toBe(401);
    }
  });

  it('a user access token is not a client token: 401', async () => {
    const sent = await json(SEND, { ...validSend, channel: 'direct' });
    expect(sent.status).toBe(200);
    const followed = await fetch(sent.body.link, { redirect: 'manual' });
    expect(followed.status).toBe(302);
    const code = new URL(followed.headers.get('location') ?? '').searchParams.get('code');
    const tokens = await json(AUTHENTICATE, { code });
    expect(tokens.status).toBe(200);
    for (const userToken of [tokens.body.access_token, tokens.body.id_token]) {
      for (const path of [SEND, AUTHENTICATE]) {
        const answer = await json(path, validSend, userToken);
        expect(answer.status).toBe(401);
        expect(answer.body).toEqual({ message: 'Invalid token', error_code: 401 });
      }
      const lookup = await raw(`/cis/v1/users/email/${encodeURIComponent(userEmail)}`, { method: 'GET' }, userToken);
      expect(lookup.status).toBe(401);
    }
  });
});

describe('routes', () => {
  it('an unknown route is 404 JSON', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['POST', '/cis/v1/auth/link/sms/send'],
      ['GET', SEND],
      ['DELETE', '/cis/v1/users'],
    ] as const) {
      const answer = await raw(path, { method, ...(method === 'GET' ? {} : { headers: { 'content-type': 'application/json' }, body: '{}' }) });
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body).toEqual({ message: 'Not found', error_code: 404 });
    }
  });
});

describe('a refused request leaves nothing behind', () => {
  it('refused sends create no flow, code or outbox message', async () => {
    const counts = async () => ({
      flows: await db.storage.db.flow.count(),
      codes: await db.storage.db.flow.count({ where: { secretHash: { not: null } } }),
      deliveries: await db.storage.db.delivery.count(),
    });
    const before = await counts();
    const refusals: Array<[unknown, number]> = [
      [{ ...validSend, redirect_uri: 'https://evil.example/verify' }, 400],
      [{ ...validSend, redirect_uri: `${REDIRECT}?next=/evil` }, 400],
      [{ ...validSend, identifier: 'nobody@example.com' }, 404],
      [{ ...validSend, identifier_type: 'passport' }, 400],
      [{ ...validSend, unknown: 1 }, 400],
      [{ ...validSend, email_expiration: 0 }, 400],
    ];
    for (const [body, status] of refusals) expect((await json(SEND, body)).status, JSON.stringify(body)).toBe(status);
    expect((await json(SEND, validSend, 'garbage')).status).toBe(401);
    expect((await raw(SEND, { headers: { 'content-type': 'text/plain' }, body: 'hi' })).status).toBe(415);
    expect(await counts()).toEqual(before);
  });

  it('a refused authenticate creates no session and burns nothing', async () => {
    const sent = await json(SEND, { ...validSend, channel: 'direct' });
    const code = new URL((await fetch(sent.body.link, { redirect: 'manual' })).headers.get('location') ?? '').searchParams.get('code');
    const sessions = await db.storage.db.session.count();
    expect((await json(AUTHENTICATE, { code, session_id: 'no-such-session' })).status).toBe(400);
    expect((await json(AUTHENTICATE, { code, resource: 'https://not-configured.example' })).status).toBe(400);
    expect((await json(AUTHENTICATE, { code, unknown: true })).status).toBe(400);
    expect(await db.storage.db.session.count()).toBe(sessions);
    expect((await json(AUTHENTICATE, { code })).status).toBe(200);
  });
});
