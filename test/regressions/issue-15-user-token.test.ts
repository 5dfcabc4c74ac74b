import { decodeJwt, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { totpCode, type TotpParams, totpStep } from '../../src/flows/totp/codes.js';
import { authenticate, client, db, newUser, send, server, useOtpFixture } from '../helpers/otp-fixture.js';

// Issue 15 §5: a user access token dies with its session. It names its session (`sid`, the
// session's internal id); after logout or revoke-all, a stolen token no longer registers, overrides
// or revokes an authenticator (it used to: 201 with allow_override, after which the thief's codes
// logged in alone). Replacing a registered authenticator takes a session that logged in with it
// recently; a user who lost theirs has the app revoke it, then registers anew.
// Through a real listening server (fetch), on the database the suite runs on.

useOtpFixture();

const PARAMS: TotpParams = { algorithm: 'sha1', digits: 6, period: 30 };
const OVERRIDE_WINDOW_MS = 10 * 60_000;
const TOKEN_INVALID = { status: 401, body: { message: 'Invalid token', error_code: 401 } };
const OVERRIDE_UNPROVEN = {
  status: 403,
  body: { message: 'Replacing or revoking the registered authenticator needs a recent login with it in this session; log in with its code first, or have the app revoke it', error_code: 403 },
};

const userCall = async (path: string, token: string, body: object = {}) => {
  const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: response.status === 204 ? null : ((await response.json()) as Record<string, unknown>) };
};
const register = (token: string, body: object = {}, path = '/cis/v1/auth/totp/register') => userCall(path, token, body);
const revokeOwn = (token: string) => userCall('/cis/v1/users/me/totp/revoke', token);

/** A user logged in with a direct passcode: their access token and session. */
async function otpLogin(user: { email: string }): Promise<{ accessToken: string; sessionId: string }> {
  const { code } = (await send({ channel: 'direct', identifier_type: 'email', identifier: user.email })).body as { code: string };
  const answer = await authenticate({ passcode: code, identifier_type: 'email', identifier: user.email });
  expect(answer.status).toBe(200);
  return { accessToken: answer.body.access_token, sessionId: answer.body.session_id };
}

const codeNow = (seed: string) => totpCode(seed, PARAMS, totpStep(PARAMS, server.clock.now()));
/** The next period's code (a code is single use: each login waits for a new one). */
async function totpLogin(user: { email: string }, seed: string, sessionId?: string) {
  server.clock.advance(30_000);
  return client.call('POST', '/cis/v1/auth/totp/authenticate', { token: codeNow(seed), identifier: user.email, ...(sessionId === undefined ? {} : { session_id: sessionId }) });
}

/** A user (the victim) logged in with a passcode, with an authenticator they registered. */
async function victim() {
  const user = await newUser();
  const session = await otpLogin(user);
  const registered = await register(session.accessToken);
  expect(registered.status).toBe(201);
  return { user, ...session, seed: String(registered.body?.secret) };
}

/** The victim's authenticator is the one they registered, and their codes still log them in. */
async function expectUntouched(target: { user: { id: string; email: string }; seed: string }) {
  const rows = await db.storage.db.credential.findMany({ where: { userId: target.user.id, kind: 'totp' } });
  expect(rows.map((row) => row.stateValue)).toEqual(['active.ready']);
  expect((await totpLogin(target.user, target.seed)).status).toBe(200);
}

describe('issue 15: a user access token dies with its session', () => {
  it('names its session: sid is the internal id (never the public session_id), on every way tokens are minted', async () => {
    const user = await newUser();
    const { accessToken, sessionId } = await otpLogin(user);
    const session = await db.storage.db.session.findFirstOrThrow({ where: { userId: user.id } });
    const claims = decodeJwt(accessToken);
    expect(claims.sid).toBe(session.id);
    expect(claims.sid).not.toBe(sessionId);
    // The ID token keeps the spec's claims (sid is the access token's).
    const silent = await client.call('POST', '/cis/v1/auth/session/authenticate', { session_id: sessionId });
    expect(decodeJwt(silent.body.access_token).sid).toBe(session.id);
    expect(decodeJwt(silent.body.id_token).sid).toBeUndefined();
    const refreshed = await client.call('POST', '/cis/v1/auth/token/refresh', { refresh_token: silent.body.refresh_token });
    expect(decodeJwt(refreshed.body.access_token).sid).toBe(session.id);
  });

  it('after logout, the old token neither registers (with or without override) nor revokes; the victim keeps their authenticator', async () => {
    const target = await victim();
    expect((await client.call('POST', '/cis/v1/auth/session/logout', { session_id: target.sessionId })).status).toBe(204);
    expect(await register(target.accessToken, { allow_override: true })).toEqual(TOKEN_INVALID);
    expect(await register(target.accessToken, { allow_override: true }, '/cis/v1/users/me/totp')).toEqual(TOKEN_INVALID);
    expect(await register(target.accessToken)).toEqual(TOKEN_INVALID);
    expect(await revokeOwn(target.accessToken)).toEqual(TOKEN_INVALID);
    await expectUntouched(target);
  });

  it('after revoke-all, the same: refused everywhere, the authenticator untouched', async () => {
    const target = await victim();
    expect((await client.call('DELETE', `/cis/v1/auth/users/${target.user.id}/sessions`)).status).toBe(204);
    expect(await register(target.accessToken, { allow_override: true })).toEqual(TOKEN_INVALID);
    expect(await register(target.accessToken, { allow_override: true }, '/cis/v1/users/me/totp')).toEqual(TOKEN_INVALID);
    expect(await revokeOwn(target.accessToken)).toEqual(TOKEN_INVALID);
    await expectUntouched(target);
  });

  it('refuses a token without sid (issued before sessions were named in tokens)', async () => {
    const user = await newUser();
    const { accessToken } = await otpLogin(user);
    const { sid: _, iss: __, iat: ___, exp: ____, jti: _____, ...claims } = decodeJwt(accessToken);
    const now = Math.floor(server.clock.now() / 1000);
    const signer = server.boot.keys.signing().signerAt(server.clock.now());
    const legacy = await new SignJWT(claims)
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: 'at+jwt' })
      .setIssuer(server.config.issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .setJti('legacy')
      .sign(signer.key);
    expect(await register(legacy)).toEqual(TOKEN_INVALID);
    expect(await revokeOwn(legacy)).toEqual(TOKEN_INVALID);
    expect((await register(accessToken)).status).toBe(201);
  });

  it('replacing an authenticator takes a recent login with it in the token’s session: without, 403 and nothing changes; with, 201', async () => {
    const target = await victim();
    // A live session that never proved the authenticator (a stolen token of a passcode login).
    const refused = await register(target.accessToken, { allow_override: true });
    expect(refused).toEqual(OVERRIDE_UNPROVEN);
    await expectUntouched(target);

    // The user logs in with the authenticator in the same session: now the session proves it.
    const stepped = await totpLogin(target.user, target.seed, target.sessionId);
    expect(stepped.status).toBe(200);
    expect(decodeJwt(stepped.body.access_token).sid).toBe(decodeJwt(target.accessToken).sid);
    // Not for long: past the window, the proof is stale.
    server.clock.advance(OVERRIDE_WINDOW_MS + 1);
    expect(await register(stepped.body.access_token, { allow_override: true })).toEqual(OVERRIDE_UNPROVEN);
    const again = await totpLogin(target.user, target.seed, target.sessionId);
    const replaced = await register(again.body.access_token, { allow_override: true });
    expect(replaced.status).toBe(201);
    const rows = await db.storage.db.credential.findMany({ where: { userId: target.user.id, kind: 'totp' }, orderBy: { createdAt: 'asc' } });
    expect(rows.map((row) => row.stateValue)).toEqual(['revoked.done', 'active.ready']);
    // The old seed stopped; the new one logs in.
    expect((await totpLogin(target.user, target.seed)).status).toBe(400);
    expect((await totpLogin(target.user, String(replaced.body?.secret))).status).toBe(200);
  });

  it('a stolen token of a live session that never proved the authenticator cannot revoke it to register its own (review finding)', async () => {
    const target = await victim();
    expect(await revokeOwn(target.accessToken)).toEqual(OVERRIDE_UNPROVEN);
    expect(await register(target.accessToken)).toMatchObject({ status: 409 });
    await expectUntouched(target);
    // The user who just logged in with it may revoke it.
    const stepped = await totpLogin(target.user, target.seed, target.sessionId);
    expect(await revokeOwn(stepped.body.access_token)).toEqual({ status: 204, body: null });
  });

  it('a user who lost their authenticator: the app revokes it with its client token, then the user registers anew', async () => {
    const target = await victim();
    expect((await client.call('POST', `/cis/v1/users/${target.user.id}/totp/revoke`)).status).toBe(204);
    const fresh = await register(target.accessToken);
    expect(fresh.status).toBe(201);
    expect((await totpLogin(target.user, String(fresh.body?.secret))).status).toBe(200);
  });
});
