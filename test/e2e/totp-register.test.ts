import { describe, expect, it } from 'vitest';
import { createSealer } from '../../src/secrets/sealer.js';
import { totpSeedAad } from '../../src/flows/totp/effects.js';
import { totpCode, type TotpParams, totpStep } from '../../src/flows/totp/codes.js';
import { authenticate, client, db, newUser, send, server, useOtpFixture } from '../helpers/otp-fixture.js';
import { masterKeyOf } from '../helpers/test-server.js';

// Registering an authenticator app (issue 11, mosaic-backend-api.md §2.11) with the user's own
// access token, on both paths: the seed shown once (secret, otpauth URI, QR code), kept sealed in
// the credential's row; a second registration refused unless it overrides; client tokens refused.

useOtpFixture({ listen: true });

async function userAccessToken(): Promise<{ token: string; userId: string; email: string; sessionId: string }> {
  const user = await newUser();
  const { code } = (await send({ channel: 'direct', identifier_type: 'email', identifier: user.email })).body as { code: string };
  const tokens = (await authenticate({ passcode: code, identifier_type: 'email', identifier: user.email })).body as { access_token: string; session_id: string };
  return { token: tokens.access_token, userId: user.id, email: user.email, sessionId: tokens.session_id };
}

const register = async (path: string, token: string, body: object = {}) => {
  const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
};

describe('authenticator registration', () => {
  it('a disabled user registers no authenticator (403 User is not active), judged by the TOTP machine; nothing is kept (issue 16)', async () => {
    const { token, userId } = await userAccessToken();
    await db.storage.db.user.update({ where: { id: userId }, data: { status: 'Disabled' } });
    try {
      expect(await register('/cis/v1/auth/totp/register', token)).toEqual({ status: 403, body: { message: 'User is not active', error_code: 403 } });
      expect(await db.storage.db.credential.count({ where: { userId, kind: 'totp' } })).toBe(0);
    } finally {
      await db.storage.db.user.update({ where: { id: userId }, data: { status: 'Active' } });
    }
    expect((await register('/cis/v1/auth/totp/register', token)).status).toBe(201);
  });

  it('registers with the user access token: secret, otpauth URI and QR code; the seed is stored sealed', async () => {
    const { token, userId, email } = await userAccessToken();
    const registered = await register('/cis/v1/auth/totp/register', token);
    expect(registered.status).toBe(201);
    const { secret, uri, qr_code: qr } = registered.body as { secret: string; uri: string; qr_code: string };
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const parsed = new URL(uri);
    expect(parsed.protocol).toBe('otpauth:');
    expect(decodeURIComponent(parsed.pathname)).toBe(`/Bank:${email}`);
    expect(Object.fromEntries(parsed.searchParams)).toEqual({ issuer: 'Bank', secret, algorithm: 'SHA1', digits: '6', period: '30' });
    expect(qr).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);

    const row = await db.storage.db.credential.findFirstOrThrow({ where: { userId, kind: 'totp' } });
    expect(row).toMatchObject({ stateValue: 'active.ready', label: email, params: { algorithm: 'sha1', digits: 6, period: 30 } });
    expect(row.secret).not.toContain(secret);
    expect(createSealer(masterKeyOf(server.config)).open(row.secret, totpSeedAad(row.id))).toBe(secret);
  });

  it('refuses a second registration unless it overrides (the first is revoked); the older path does the same', async () => {
    const { token, userId, email, sessionId } = await userAccessToken();
    const first = await register('/cis/v1/users/me/totp', token, { label: 'Phone' });
    expect(first.status).toBe(201);
    const again = await register('/cis/v1/auth/totp/register', token);
    expect(again).toEqual({ status: 409, body: { message: 'An authenticator is already registered; revoke it or register with allow_override', error_code: 409 } });
    // Overriding takes a session that just logged in with the authenticator (issue 15 §5).
    expect((await register('/cis/v1/users/me/totp', token, { allow_override: true })).status).toBe(403);
    const params: TotpParams = { algorithm: 'sha1', digits: 6, period: 30 };
    const code = totpCode(first.body.secret ?? '', params, totpStep(params, server.clock.now()));
    expect((await client.call('POST', '/cis/v1/auth/totp/authenticate', { token: code, identifier: email, session_id: sessionId })).status).toBe(200);
    const overridden = await register('/cis/v1/users/me/totp', token, { allow_override: true });
    expect(overridden.status).toBe(201);
    const rows = await db.storage.db.credential.findMany({ where: { userId, kind: 'totp' }, orderBy: { createdAt: 'asc' } });
    expect(rows.map((row) => [row.stateValue, row.liveKey !== null])).toEqual([
      ['revoked.done', false],
      ['active.ready', true],
    ]);
  });

  it('two registrations at once: one registers (201), the other answers 409, never 500', async () => {
    for (let round = 0; round < 5; round++) {
      const { token, userId } = await userAccessToken();
      const answers = await Promise.all([register('/cis/v1/auth/totp/register', token), register('/cis/v1/users/me/totp', token)]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409]);
      expect(await db.storage.db.credential.count({ where: { userId, kind: 'totp' } })).toBe(1);
    }
  });

  it('takes only a user access token', async () => {
    const clientToken = await client.token();
    expect((await register('/cis/v1/auth/totp/register', clientToken)).status).toBe(401);
    expect((await register('/cis/v1/auth/totp/register', 'not-a-token')).status).toBe(401);
    const { token } = await userAccessToken();
    // A user token does not call the client endpoints either.
    const asClient = await fetch(`${server.url}/cis/v1/auth/otp/send`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(asClient.status).toBe(401);
    expect((await register('/cis/v1/auth/totp/register', token, { label: 'a:b' })).status).toBe(400);
  });
});
