import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, NOTHING, type PurgeFixture, startPurgeFixture } from '../helpers/purge-fixture.js';

// The purge of sessions and refresh tokens (issue 7, point 10), on sessions made, refreshed and
// ended through the HTTP API. Each test starts a year after the previous one, with nothing
// purgeable left, so the counts are exact.

let f: PurgeFixture;

beforeAll(async () => {
  f = await startPurgeFixture();
});

afterAll(async () => {
  await f?.close();
});

describe('purge: sessions', () => {
  it('a logged-out session goes auditMs after logout, an expired one auditMs after it expired, each with its event log; idle and live ones stay', async () => {
    const t0 = await f.startOver();
    const audit = f.retention.auditMs;
    const out = await f.login();
    await f.logout(out.sessionId);
    const idle = await f.login();
    const outRow = await f.db.session.findFirstOrThrow({ where: { userId: out.userId } });
    const idleRow = await f.db.session.findFirstOrThrow({ where: { userId: idle.userId } });
    expect(outRow.endedAt?.getTime()).toBe(t0);
    expect(await f.db.sessionEvent.count({ where: { sessionId: outRow.id } })).toBe(2);

    // Merely idle, a day before it expires: untouched, and its refresh token still works (a
    // refresh does not extend the session, so the boundaries below stay where they are).
    f.at(idleRow.expiresAt.getTime() - DAY);
    await f.purgeNow();
    expect(await f.db.session.findUnique({ where: { id: idleRow.id } })).toMatchObject({ state: 'active' });
    expect((await f.refresh(idle.refreshToken)).status).toBe(200);

    f.at(t0 + audit - 1);
    expect((await f.purgeNow()).sessions).toBe(0);
    f.at(t0 + audit);
    expect(await f.purgeNow()).toEqual(NOTHING);
    f.at(t0 + audit + 1);
    expect(await f.purgeNow()).toEqual({ ...NOTHING, sessions: 1 });
    expect(await f.db.session.findUnique({ where: { id: outRow.id } })).toBeNull();
    expect(await f.db.sessionEvent.count({ where: { sessionId: outRow.id } })).toBe(0);
    expect(await f.db.session.findUnique({ where: { id: idleRow.id } })).not.toBeNull();

    const live = await f.login();
    const idleEnd = idleRow.expiresAt.getTime();
    f.at(idleEnd + audit - 1);
    expect((await f.purgeNow()).sessions).toBe(0);
    f.at(idleEnd + audit);
    expect(await f.purgeNow()).toEqual(NOTHING);
    f.at(idleEnd + audit + 1);
    expect(await f.purgeNow()).toEqual({ ...NOTHING, sessions: 1 });
    expect(await f.db.session.findUnique({ where: { id: idleRow.id } })).toBeNull();
    expect(await f.db.sessionEvent.count({ where: { sessionId: idleRow.id } })).toBe(0);

    // Logged in at t0 + audit + 1: 14 days later it has expired, but its audit period has not passed.
    expect(await f.db.session.count({ where: { userId: live.userId } })).toBe(1);
  });

  it('deletes a session’s refresh tokens with it when they outlive the audit period, never leaving them detached', async () => {
    const t0 = await f.startOver();
    // A legal setting (AUDIT_RETENTION_DAYS=1, RETENTION_HOURS=720): revoked tokens outlive their session's audit period.
    const retention = { auditMs: DAY, graceMs: 30 * DAY };
    const login = await f.login();
    const rotated = await f.refresh(login.refreshToken);
    expect(rotated.status).toBe(200);
    await f.logout(login.sessionId);
    const session = await f.db.session.findFirstOrThrow({ where: { userId: login.userId } });
    expect(await f.db.refreshToken.count({ where: { sessionId: session.id, revokedAt: { not: null } } })).toBe(2);

    f.at(t0 + DAY);
    expect(await f.purgeNow(retention)).toEqual(NOTHING);
    f.at(t0 + DAY + 1);
    expect(await f.purgeNow(retention)).toEqual({ ...NOTHING, sessions: 1, refreshTokens: 2 });
    expect(await f.db.session.findUnique({ where: { id: session.id } })).toBeNull();
    // The foreign key is ON DELETE SET NULL: without the purge deleting them first, the tokens
    // would stay behind with no session (and refresh skips the session check for those).
    expect(await f.db.refreshToken.count({ where: { userId: login.userId } })).toBe(0);
    expect(await f.db.refreshToken.count({ where: { sessionId: null } })).toBe(0);
  });
});

describe('purge: refresh tokens', () => {
  it('revoked tokens go graceMs after revocation; a rotated one stays until its family expires and still detects reuse', async () => {
    const t0 = await f.startOver();
    const grace = f.retention.graceMs;
    const kept = await f.login();
    const next = await f.refresh(kept.refreshToken);
    expect(next.status).toBe(200);
    const ended = await f.login();
    await f.logout(ended.sessionId);

    f.at(t0 + grace);
    expect(await f.purgeNow()).toEqual(NOTHING);
    f.at(t0 + grace + 1);
    // The two used passcodes, and the logged-out session's token.
    expect(await f.purgeNow()).toEqual({ ...NOTHING, challenges: 2, refreshTokens: 1 });
    expect(await f.db.refreshToken.count({ where: { userId: ended.userId } })).toBe(0);
    expect(await f.db.refreshToken.count({ where: { userId: kept.userId } })).toBe(2);

    // The rotated token, presented again, still revokes its family: the active token stops working.
    const reuse = await f.refresh(kept.refreshToken);
    expect(reuse.status).toBe(400);
    expect((await f.refresh(next.body.refresh_token)).status).toBe(400);
    const revokedAt = t0 + grace + 1;
    expect(await f.db.refreshToken.count({ where: { userId: kept.userId, revokedAt: new Date(revokedAt) } })).toBe(2);

    f.at(revokedAt + grace);
    expect(await f.purgeNow()).toEqual(NOTHING);
    f.at(revokedAt + grace + 1);
    expect(await f.purgeNow()).toEqual({ ...NOTHING, refreshTokens: 2 });
    expect(await f.db.refreshToken.count({ where: { userId: kept.userId } })).toBe(0);
  });

  it('expired tokens, rotated or not, go graceMs after the family expired; an active family stays', async () => {
    const t0 = await f.startOver();
    const grace = f.retention.graceMs;
    const family = await f.login();
    expect((await f.refresh(family.refreshToken)).status).toBe(200);
    const [token] = await f.db.refreshToken.findMany({ where: { userId: family.userId } });
    const expiry = token?.expiresAt.getTime() ?? 0;
    expect(expiry).toBe(t0 + 14 * DAY);

    f.at(expiry + grace - 1);
    expect((await f.purgeNow()).refreshTokens).toBe(0);
    const active = await f.login();
    f.at(expiry + grace);
    expect(await f.purgeNow()).toEqual(NOTHING);
    f.at(expiry + grace + 1);
    expect(await f.purgeNow()).toEqual({ ...NOTHING, refreshTokens: 2 });
    expect(await f.db.refreshToken.count({ where: { userId: family.userId } })).toBe(0);
    expect(await f.db.refreshToken.count({ where: { userId: active.userId } })).toBe(1);
    expect((await f.refresh(active.refreshToken)).status).toBe(200);
  });
});
