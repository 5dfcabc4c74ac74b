import { describe, expect, it } from 'vitest';
import { readSession } from '../../src/repositories/session-repository.js';
import { blog, login, refresh, server, shop, silent, useSessionsFixture } from '../helpers/sessions-fixture.js';

// Issue 17: silent authentication, refresh and logout take optimistic steps (plain reads, the
// writes sent after as one batch); a race lost to another step of the same instance runs again in
// the locked interactive transaction. A burst on one instance still queues (no 409), and what the
// locked transaction guaranteed still holds: one rotation per refresh token, reuse detected.

useSessionsFixture({ listen: true });

const AT_ONCE = 30;

describe('issue 17: optimistic steps on the session paths', () => {
  it('a burst of silent authentications of one session all succeed, each step logged once', async () => {
    const { userId, tokens } = await login(shop);
    const sessionId = tokens.session_id ?? '';
    const answers = await Promise.all(Array.from({ length: AT_ONCE }, (_, index) => silent(index % 2 === 0 ? shop : blog, sessionId)));
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    // Every answer minted its own family, and each works.
    const refreshed = await Promise.all(answers.map((answer, index) => refresh(index % 2 === 0 ? shop : blog, answer.body.refresh_token)));
    expect(refreshed.map((answer) => answer.status)).toEqual(refreshed.map(() => 200));
    // The version counts the log's entries: no lost attempt left one behind, none was lost.
    const [row] = await server.storage.db.session.findMany({ where: { userId } });
    const session = row === undefined ? null : await readSession(server.storage.db, row.id);
    expect(session?.events.length).toBe(session?.version);
    expect(session?.events.filter((event) => event.type === 'session.silentAuthenticate').length).toBe(AT_ONCE);
  });

  it('one refresh token presented many times at once: one rotation wins, the rest is reuse and ends the family', async () => {
    const { tokens } = await login(shop);
    const answers = await Promise.all(Array.from({ length: AT_ONCE }, () => refresh(shop, tokens.refresh_token ?? '')));
    const won = answers.filter((answer) => answer.status === 200);
    expect(won.length).toBe(1);
    expect(answers.filter((answer) => answer.status !== 200).every((answer) => answer.status === 400)).toBe(true);
    // The winner's token belongs to a family its rotated-out token's reuse revoked.
    expect((await refresh(shop, won[0]?.body.refresh_token)).status).toBe(400);
  });
});
