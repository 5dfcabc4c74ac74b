import { describe, expect, it } from 'vitest';
import { blog, counter, DAY, db, login, logout, nextCounter, refresh, server, shop, silent, useSessionsFixture, verify } from '../helpers/sessions-fixture.js';
import { startTestServer } from '../helpers/test-server.js';

// Sessions across apps: silent authentication (SSO) and refresh rotation with reuse detection.
// Every token is verified with jose against the JWKS, as a client app would. Logout, revocation
// and the races between them: sessions-logout.test.ts.

useSessionsFixture({ listen: true });

describe('silent authentication and SSO', () => {
  it('two apps of one tenant share a session: each gets tokens with its own aud, the same session and amr', async () => {
    const { userId, tokens } = await login(shop);
    const loginTime = Math.floor(server.clock.now() / 1000);
    server.clock.advance(60_000);
    try {
      const onBlog = await silent(blog, tokens.session_id ?? '');
      expect(onBlog.status).toBe(200);
      expect(onBlog.body.session_id).toBe(tokens.session_id);
      expect(onBlog.body.step_up_required).toBe(false);
      const blogId = await verify(onBlog.body.id_token, blog.clientId);
      expect(blogId).toMatchObject({ sub: userId, amr: ['otp'], auth_time: loginTime });
      expect(blogId.iat).toBe(loginTime + 60);
      const blogAccess = await verify(onBlog.body.access_token, 'userid-api');
      expect(blogAccess).toMatchObject({ client_id: blog.clientId, app_id: blog.appId });

      const onShop = await silent(shop, tokens.session_id ?? '');
      expect((await verify(onShop.body.id_token, shop.clientId)).sub).toBe(userId);
      // SSO associated the user with Blog: Blog now sees the user.
      expect((await blog.call('GET', `/cis/v1/users/${userId}`)).status).toBe(200);
    } finally {
      server.clock.advance(-60_000);
    }
  });

  it('reports step_up_required from the calling app’s mfa policy until a second method is added', async () => {
    const { email, tokens } = await login(shop);
    const sessionId = tokens.session_id ?? '';
    expect((await silent(shop, sessionId)).body.step_up_required).toBe(true);
    const sent = await shop.call('POST', '/cis/v1/auth/link/email/send', { email, redirect_uri: 'https://app.example/verify', channel: 'direct' });
    const code = new URL((await fetch(sent.body.link, { redirect: 'manual' })).headers.get('location') ?? '').searchParams.get('code');
    const stepped = await shop.call('POST', '/cis/v1/auth/link/email/authenticate', { code, session_id: sessionId });
    expect((await verify(stepped.body.id_token, shop.clientId)).amr).toEqual(['otp', 'eml', 'mfa']);
    const after = await silent(shop, sessionId);
    expect(after.body.step_up_required).toBe(false);
    expect((await verify(after.body.id_token, shop.clientId)).amr).toEqual(['otp', 'eml', 'mfa']);
  });

  it("a disabled user's session signs nobody in silently, nor for a resource the app does not list; the session stands (issue 16)", async () => {
    const { tokens, userId } = await login(shop);
    const sessionId = tokens.session_id ?? '';
    const elsewhere = await silent(blog, sessionId, { resource: 'https://elsewhere.example' });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body).toEqual({ message: 'resource is not one of the resources configured for this app', error_code: 400 });
    await db.storage.db.user.update({ where: { id: userId }, data: { status: 'Disabled' } });
    try {
      const disabled = await silent(blog, sessionId);
      expect(disabled.status).toBe(403);
      expect(disabled.body).toEqual({ message: 'User is not active', error_code: 403 });
      // Nothing was handed out: no refresh family for the refused requests.
      expect(await db.storage.db.refreshFamily.count({ where: { sessionId: (await db.storage.db.session.findFirstOrThrow({ where: { userId } })).id } })).toBe(1);
    } finally {
      await db.storage.db.user.update({ where: { id: userId }, data: { status: 'Active' } });
    }
    expect((await silent(blog, sessionId)).status).toBe(200);
  });

  it('slides the session: 14 days after the last authentication, not after the first', async () => {
    const { tokens, userId } = await login(shop);
    const sessionId = tokens.session_id ?? '';
    const start = server.clock.now();
    try {
      server.clock.advance(10 * DAY);
      expect((await silent(blog, sessionId)).status).toBe(200);
      server.clock.advance(10 * DAY);
      expect((await silent(blog, sessionId)).status).toBe(200);
      server.clock.advance(14 * DAY);
      const expired = await silent(blog, sessionId);
      expect(expired.status).toBe(400);
      expect(expired.body).toEqual({ message: 'Session not found', error_code: 400 });
      const row = await db.storage.db.session.findFirstOrThrow({ where: { userId } });
      expect(row.state).toBe('expired');
    } finally {
      server.clock.set(start);
    }
  });

  it('unknown, logged-out and other-tenant sessions are all 400 Session not found', async () => {
    expect((await silent(shop, 'no-such-session')).body).toEqual({ message: 'Session not found', error_code: 400 });
    const { tokens } = await login(shop);
    const otherTenant = await server.createTenant(`other-${counter}`);
    const foreign = await server.createApp({ name: 'Foreign', tenantId: otherTenant });
    expect((await silent(foreign, tokens.session_id ?? '')).body.message).toBe('Session not found');
    expect((await foreign.call('POST', '/cis/v1/auth/session/logout', { session_id: tokens.session_id })).status).toBe(400);
    expect((await logout(shop, tokens.session_id ?? '')).status).toBe(204);
    expect((await silent(shop, tokens.session_id ?? '')).body.message).toBe('Session not found');
  });

  it('is rate-limited per session', async () => {
    const limited = await startTestServer({ databaseUrl: db.url, clock: server.clock, env: { RATE_LIMIT_SILENT_AUTH_MAX: '2' } });
    try {
      const app = await limited.createApp({ name: 'Poller' });
      const email = `poll${nextCounter()}@example.com`;
      await app.call('POST', '/cis/v1/users', { email });
      const code = (await app.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'email', identifier: email })).body.code;
      const sessionId = (await app.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: code, identifier_type: 'email', identifier: email })).body.session_id;
      expect((await silent(app, sessionId)).status).toBe(200);
      expect((await silent(app, sessionId)).status).toBe(200);
      const third = await silent(app, sessionId);
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toBeTruthy();
    } finally {
      await limited.close();
    }
  });
});

describe('refresh tokens', () => {
  it('rotate on every use, keep the original claims, leave the session alone, and carry no session_id', async () => {
    const { tokens } = await login(shop);
    const original = await verify(tokens.id_token ?? '', shop.clientId);
    const before = await db.storage.db.session.findFirstOrThrow({ where: { userId: original.sub ?? '' } });
    server.clock.advance(60_000);
    try {
      const first = await refresh(shop, tokens.refresh_token ?? '');
      expect(first.status).toBe(200);
      expect(Object.keys(first.body).sort()).toEqual(['access_token', 'expires_in', 'id_token', 'refresh_token', 'token_type']);
      expect(first.body.refresh_token).not.toBe(tokens.refresh_token);
      const refreshed = await verify(first.body.id_token, shop.clientId);
      expect(refreshed).toMatchObject({ sub: original.sub, amr: original.amr, auth_time: original.auth_time });
      const second = await refresh(shop, first.body.refresh_token);
      expect(second.status).toBe(200);
      const after = await db.storage.db.session.findFirstOrThrow({ where: { id: before.id } });
      expect(after.expiresAt.getTime()).toBe(before.expiresAt.getTime());
      expect(after.version).toBe(before.version);
    } finally {
      server.clock.advance(-60_000);
    }
  });

  it('a rotated-out token presented again is refused and revokes its whole family', async () => {
    const { tokens } = await login(shop);
    const rotated = await refresh(shop, tokens.refresh_token ?? '');
    const replay = await refresh(shop, tokens.refresh_token ?? '');
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual({ message: 'Invalid refresh token', error_code: 400 });
    // The thief's replay also killed the legitimate holder's current token.
    expect((await refresh(shop, rotated.body.refresh_token)).status).toBe(400);
  });

  it('work only for the app they were issued to, and expire 14 days after the login', async () => {
    const { tokens } = await login(shop);
    expect((await refresh(blog, tokens.refresh_token ?? '')).status).toBe(400);
    const start = server.clock.now();
    try {
      server.clock.advance(13 * DAY);
      const rotated = await refresh(shop, tokens.refresh_token ?? '');
      expect(rotated.status).toBe(200);
      server.clock.advance(DAY);
      expect((await refresh(shop, rotated.body.refresh_token)).status).toBe(400);
    } finally {
      server.clock.set(start);
    }
  });

  it('keep working after the session expires naturally (only logout and revocation stop them)', async () => {
    const { tokens } = await login(shop);
    const start = server.clock.now();
    try {
      server.clock.advance(14 * DAY - 1000);
      expect((await silent(shop, tokens.session_id ?? '')).status).toBe(200);
      const silentTokens = (await silent(shop, tokens.session_id ?? '')).body;
      server.clock.advance(14 * DAY);
      expect((await silent(shop, tokens.session_id ?? '')).status).toBe(400);
      // The token minted by the silent authentication 14 days ago is still inside its own lifetime.
      server.clock.advance(-1000);
      expect((await refresh(shop, silentTokens.refresh_token)).status).toBe(200);
    } finally {
      server.clock.set(start);
    }
  });
});
