import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { totpCode, type TotpParams, totpStep } from '../../src/flows/totp/codes.js';
import { authenticate, client, newUser, send, server, useOtpFixture } from '../helpers/otp-fixture.js';

// Logging in with an authenticator app (issue 11, mosaic-backend-api.md §2.11.1): alone (amr totp),
// a code accepted once refused when presented again, and as the second factor of a session opened
// by a magic link (amr eml, totp and mfa); a second factor for another user is refused.

useOtpFixture({ listen: true });

const PARAMS: TotpParams = { algorithm: 'sha1', digits: 6, period: 30 };
const REDIRECT = 'https://app.example/verify';

/** A user of the Bank app with an authenticator registered: its seed, as the app would hold it. */
async function withAuthenticator(): Promise<{ userId: string; email: string; seed: string }> {
  const user = await newUser();
  const { code } = (await send({ channel: 'direct', identifier_type: 'email', identifier: user.email })).body as { code: string };
  const { access_token: token } = (await authenticate({ passcode: code, identifier_type: 'email', identifier: user.email })).body as { access_token: string };
  const response = await fetch(`${server.url}/cis/v1/auth/totp/register`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
  expect(response.status).toBe(201);
  return { userId: user.id, email: user.email, seed: ((await response.json()) as { secret: string }).secret };
}
const codeNow = (seed: string) => totpCode(seed, PARAMS, totpStep(PARAMS, server.clock.now()));
/** `count` different codes, none of them good now (the current step's or the one before). */
function wrongCodes(seed: string, count: number): string[] {
  const step = totpStep(PARAMS, server.clock.now());
  const good = [totpCode(seed, PARAMS, step - 1), totpCode(seed, PARAMS, step)];
  return Array.from({ length: count + 2 }, (_, i) => String(100_000 + i))
    .filter((code) => !good.includes(code))
    .slice(0, count);
}
const login = (body: object) => client.call('POST', '/cis/v1/auth/totp/authenticate', body);

async function magicLinkSession(email: string): Promise<string> {
  const { link } = (await client.call('POST', '/cis/v1/auth/link/email/send', { identifier: email, identifier_type: 'email', redirect_uri: REDIRECT, channel: 'direct' })).body as { link: string };
  const followed = await fetch(link, { redirect: 'manual' });
  const code = new URL(followed.headers.get('location') ?? '').searchParams.get('code');
  return ((await client.call('POST', '/cis/v1/auth/link/email/authenticate', { code })).body as { session_id: string }).session_id;
}

describe('authenticator login', () => {
  it('logs in with the current code (amr totp); the same code presented again is refused', async () => {
    const { userId, email, seed } = await withAuthenticator();
    server.clock.advance(30_000);
    const code = codeNow(seed);
    const tokens = await login({ token: code, identifier: email });
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    expect(decodeJwt(tokens.body.id_token as string)).toMatchObject({ sub: userId, amr: ['totp'] });
    expect(await login({ token: code, identifier: email })).toMatchObject({ status: 400, body: { error_code: 'auth_invalid_credentials' } });
    expect(await login({ token: code === '000000' ? '111111' : '000000', identifier: userId, identifier_type: 'user_id' })).toMatchObject({ status: 400 });
  });

  it('is the second factor of a magic-link session: amr eml, totp and mfa; never for another user', async () => {
    const { email, seed } = await withAuthenticator();
    const sessionId = await magicLinkSession(email);
    server.clock.advance(30_000);
    const stepped = await login({ token: codeNow(seed), identifier: email, session_id: sessionId });
    expect(stepped.status, JSON.stringify(stepped.body)).toBe(200);
    expect(stepped.body.session_id).toBe(sessionId);
    expect([...(decodeJwt(stepped.body.id_token as string).amr as string[])].sort()).toEqual(['eml', 'mfa', 'totp']);

    const other = await withAuthenticator();
    server.clock.advance(30_000);
    const refused = await login({ token: codeNow(other.seed), identifier: other.email, session_id: sessionId });
    expect(refused).toMatchObject({ status: 400, body: { message: 'Session not found' } });
    // Whether the user exists, or has an authenticator, the answer is the same.
    expect(await login({ token: '123456', identifier: 'nobody@example.com', session_id: sessionId })).toMatchObject({ status: 400, body: { message: 'Session not found' } });
    const withoutOne = await newUser();
    expect(await login({ token: '123456', identifier: withoutOne.email, session_id: sessionId })).toMatchObject({ status: 400, body: { message: 'Session not found' } });
  });

  it('locks after maxFailures different wrong codes; the app unlocks it; the user or the app revokes it', async () => {
    const { userId, email, seed } = await withAuthenticator();
    // The Bank app keeps the default maxFailures (5): five different wrong codes (the same one
    // again in its time step is the same guess, counted once).
    for (const wrong of wrongCodes(seed, 5)) await login({ token: wrong, identifier: email });
    expect(await login({ token: codeNow(seed), identifier: email })).toMatchObject({ status: 403, body: { error_code: 'auth_locked' } });
    expect((await client.call('POST', `/cis/v1/users/${userId}/totp/unlock`)).status).toBe(204);
    expect((await login({ token: codeNow(seed), identifier: email })).status).toBe(200);

    expect((await client.call('POST', `/cis/v1/users/${userId}/totp/revoke`)).status).toBe(204);
    // The revoked authenticator's seed is forgotten: nothing needs it again.
    expect((await server.storage.db.credential.findFirstOrThrow({ where: { userId, kind: 'totp' } })).secret).toBe('');
    server.clock.advance(30_000);
    expect(await login({ token: codeNow(seed), identifier: email })).toMatchObject({ status: 400, body: { error_code: 'auth_invalid_credentials' } });
    // Revoking again, or for a user of no concern to the app, changes nothing.
    expect((await client.call('POST', `/cis/v1/users/${userId}/totp/revoke`)).status).toBe(204);
    expect((await client.call('POST', '/cis/v1/users/no-such-user/totp/revoke')).status).toBe(404);
    // An app of another tenant cannot tell the user exists, nor touch their authenticator.
    const foreign = await server.createApp({ name: 'Foreign', tenantId: await server.createTenant('Elsewhere') });
    expect((await foreign.call('POST', `/cis/v1/users/${userId}/totp/unlock`)).status).toBe(404);
    expect((await foreign.call('POST', `/cis/v1/users/${userId}/totp/revoke`)).status).toBe(404);

    // The user revokes their own, with the access token of a session that just logged in with it
    // (a token of a session that never proved it may not: issue 15 §5).
    const own = await withAuthenticator();
    const { code } = (await send({ channel: 'direct', identifier_type: 'email', identifier: own.email })).body as { code: string };
    const { session_id: sessionId } = (await authenticate({ passcode: code, identifier_type: 'email', identifier: own.email })).body as { session_id: string };
    server.clock.advance(30_000);
    const { access_token: token } = (await login({ token: codeNow(own.seed), identifier: own.email, session_id: sessionId })).body as { access_token: string };
    const revoked = await fetch(`${server.url}/cis/v1/users/me/totp/revoke`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(revoked.status).toBe(204);
    server.clock.advance(30_000);
    expect((await login({ token: codeNow(own.seed), identifier: own.email })).status).toBe(400);
  });

  it('answers a user without an authenticator like a wrong code', async () => {
    const user = await newUser();
    expect(await login({ token: '123456', identifier: user.email })).toMatchObject({ status: 400, body: { error_code: 'auth_invalid_credentials' } });
    expect(await login({ token: '123456', identifier: 'nobody@example.com' })).toMatchObject({ status: 400, body: { error_code: 'auth_invalid_credentials' } });
  });
});
