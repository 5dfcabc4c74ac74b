import { describe, expect, it } from 'vitest';
import { authenticate, client, codeByEmail, db, MINUTE, newUser, REDIRECT, server, smtp, useMagicLinkFixture } from '../helpers/magic-link-fixture.js';

// The magic-link flow end to end, on what it must not allow: redirect URIs off the app's list,
// unknown users, another app redeeming the code; only hashes of codes and sessions at rest; an
// SMTP refusal counting as nothing sent; the per-identifier send limit.

useMagicLinkFixture();

describe('email magic link, end to end', () => {
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
    expect(((flow?.events ?? []) as { type: string; state: string }[]).map((event) => [event.type, event.state])).toEqual([
      ['xstate.init', 'issuing'],
      ['challenge.delivered', 'awaitingCode.waiting'],
      ['code.submit', 'authenticated.redeemed'],
    ]);
    expect(JSON.stringify(flow)).not.toContain(code);
    expect(JSON.stringify(flow)).not.toContain(tokens.session_id);
  });

  it('when SMTP refuses for a while, the send answers and the worker delivers the link later', async () => {
    const user = await newUser();
    smtp.setFailure('temporary-failure');
    try {
      const sent = await client.call('POST', '/cis/v1/auth/link/email/send', { email: user.email, redirect_uri: REDIRECT });
      expect(sent.status).toBe(200);
      const flow = await db.storage.db.flow.findFirstOrThrow({ where: { userId: user.id, kind: 'magic-link' }, orderBy: { createdAt: 'desc' } });
      expect(flow.stateValue).toBe('retrying');
      // The kept message is sealed: the link (the code) is not readable in the database.
      const kept = await db.storage.db.deliveryJob.findUniqueOrThrow({ where: { flowId: flow.id } });
      expect(kept.message).not.toContain('token=');
      expect(kept.message).not.toContain(user.email);
    } finally {
      smtp.setFailure(null);
    }
    expect(await server.app.deliveries.runDue()).toBe(1);
    const mail = await smtp.nextMail();
    expect(mail.text).toContain('/cis/v1/auth/link/email/redirect?token=');
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
});
