import { describe, expect, it } from 'vitest';
import { readSession } from '../../src/repositories/session-repository.js';
import { blog, counter, DAY, db, login, logout, refresh, server, shop, silent, useSessionsFixture } from '../helpers/sessions-fixture.js';

// Sessions across apps: logout and revocation, and the races between them (nothing obtained from
// a session works after its logout), and the session's event log. Silent authentication and
// refresh rotation: sessions.test.ts.

useSessionsFixture({ listen: true });

describe('logout and revocation', () => {
  it('logout answers 204, ends the session at once and stops its refresh tokens', async () => {
    const { tokens } = await login(shop);
    const viaBlog = (await silent(blog, tokens.session_id ?? '')).body;
    const response = await logout(blog, tokens.session_id ?? '');
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
    expect((await silent(shop, tokens.session_id ?? '')).status).toBe(400);
    expect((await refresh(shop, tokens.refresh_token ?? '')).status).toBe(400);
    expect((await refresh(blog, viaBlog.refresh_token)).status).toBe(400);
    const again = await logout(shop, tokens.session_id ?? '');
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ message: 'Session not found', error_code: 400 });
  });

  it('no race wins against logout: whatever ran alongside it, nothing obtained from the session works afterwards', async () => {
    for (let round = 0; round < 5; round++) {
      const { tokens } = await login(shop);
      const sessionId = tokens.session_id ?? '';
      const [loggedOut, ...racers] = await Promise.all([logout(shop, sessionId), silent(blog, sessionId), refresh(shop, tokens.refresh_token ?? ''), silent(shop, sessionId)]);
      expect(loggedOut.status).toBe(204);
      for (const racer of racers) {
        expect([200, 400]).toContain(racer.status);
        if (racer.status === 200) expect((await refresh(racer === racers[0] ? blog : shop, racer.body.refresh_token)).status).toBe(400);
      }
      expect((await silent(blog, sessionId)).status).toBe(400);
      const afterwards = await Promise.all([silent(shop, sessionId), refresh(shop, tokens.refresh_token ?? '')]);
      expect(afterwards.map((answer) => answer.status)).toEqual([400, 400]);
    }
  });

  it('lists a user’s active sessions and revokes them all', async () => {
    const first = await login(shop);
    const second = await login(shop, undefined);
    // A second, separate session of the first user.
    const code = (await shop.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'email', identifier: first.email })).body.code;
    const other = (await shop.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: code, identifier_type: 'email', identifier: first.email })).body;

    const listed = await shop.call('GET', `/cis/v1/auth/users/${first.userId}/sessions`);
    expect(listed.status).toBe(200);
    expect(listed.body.length).toBe(2);
    for (const item of listed.body) {
      expect(Object.keys(item).sort()).toEqual(['expiration_time', 'session_id', 'start_time']);
      expect(new Date(item.expiration_time).getTime() - new Date(item.start_time).getTime()).toBe(14 * DAY);
    }
    // Other tenants see nothing.
    const foreign = await server.createApp({ name: 'Foreign lister', tenantId: await server.createTenant(`lister-${counter}`) });
    expect((await foreign.call('GET', `/cis/v1/auth/users/${first.userId}/sessions`)).status).toBe(404);
    expect((await foreign.call('DELETE', `/cis/v1/auth/users/${first.userId}/sessions`)).status).toBe(404);

    const revoked = await shop.call('DELETE', `/cis/v1/auth/users/${first.userId}/sessions`);
    expect(revoked.status).toBe(204);
    expect((await shop.call('GET', `/cis/v1/auth/users/${first.userId}/sessions`)).body).toEqual([]);
    expect((await silent(shop, first.tokens.session_id ?? '')).status).toBe(400);
    expect((await silent(shop, other.session_id)).status).toBe(400);
    expect((await refresh(shop, other.refresh_token)).status).toBe(400);
    // The other user's session is untouched.
    expect((await silent(shop, second.tokens.session_id ?? '')).status).toBe(200);
  });

  it('keeps every session transition in the session’s event log', async () => {
    const { tokens, userId } = await login(shop);
    await silent(blog, tokens.session_id ?? '');
    await logout(shop, tokens.session_id ?? '');
    const session = await db.storage.db.session.findFirstOrThrow({ where: { userId } });
    const events = (await readSession(db.storage.db, session.id))?.events ?? [];
    expect(events.map((event) => event.seq)).toEqual([1, 2, 3]);
    expect(events.map((event) => [event.type, event.state, event.appId])).toEqual([
      ['xstate.init', 'active.live', shop.appId],
      ['session.silentAuthenticate', 'active.live', blog.appId],
      ['session.logout', 'terminated.loggedOut', shop.appId],
    ]);
    expect(session).toMatchObject({ state: 'terminated', stateValue: 'terminated.loggedOut' });
  });

  it('appends to a session’s log without rewriting it: the row keeps its creation entry, each later event is a row', async () => {
    const { tokens, userId } = await login(shop);
    for (let i = 0; i < 25; i++) expect((await silent(blog, tokens.session_id ?? '')).status).toBe(200);
    const session = await db.storage.db.session.findFirstOrThrow({ where: { userId } });
    expect(session.events).toHaveLength(1);
    expect(await db.storage.db.sessionEvent.count({ where: { sessionId: session.id } })).toBe(25);
    const log = (await readSession(db.storage.db, session.id))?.events ?? [];
    expect(log.map((event) => event.seq)).toEqual(Array.from({ length: 26 }, (_, i) => i + 1));
    // The refresh-token family keeps its log the same way.
    const family = await db.storage.db.refreshFamily.findFirstOrThrow({ where: { sessionId: session.id, appId: shop.appId } });
    expect((await refresh(shop, tokens.refresh_token ?? '')).status).toBe(200);
    expect(await db.storage.db.refreshFamilyEvent.count({ where: { familyId: family.id } })).toBe(1);
  });
});
