import { readSession } from '../../src/repositories/session-repository.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, NOTHING, type PurgeFixture, startPurgeFixture } from '../helpers/purge-fixture.js';

// The purge of sessions and refresh-token families (issue 7, point 10), on sessions made, refreshed
// and ended through the HTTP API. Each test starts a year after the previous one, with nothing
// purgeable left, so the counts are exact.

let f: PurgeFixture;

beforeAll(async () => {
  f = await startPurgeFixture();
});

afterAll(async () => {
  await f?.close();
});

/** The user's refresh-token family (each user here logs in once). */
const familyOf = (userId: string) => f.db.refreshFamily.findFirstOrThrow({ where: { userId } });
/** The rotated-out tokens a family keeps. */
const rotatedOut = (familyId: string) => f.db.refreshToken.count({ where: { familyId } });

describe('purge: sessions', () => {
  it('a logged-out session goes auditMs after logout, an expired one auditMs after it expired, each with its event log; idle and live ones stay', async () => {
    const t0 = await f.startOver();
    const audit = f.retention.auditMs;
    const out = await f.login();
    await f.logout(out.sessionId);
    const idle = await f.login();
    const outRow = await f.db.session.findFirstOrThrow({ where: { userId: out.userId } });
    const idleRow = await f.db.session.findFirstOrThrow({ where: { userId: idle.userId } });
    expect(outRow).toMatchObject({ state: 'terminated', stateValue: 'terminated.loggedOut' });
    expect(outRow.endedAt?.getTime()).toBe(t0);
    expect(idleRow).toMatchObject({ state: 'active', stateValue: 'active.live', endedAt: null });
    expect(idleRow.expiresAt.getTime()).toBe(t0 + 14 * DAY);
    // The log (its creation entry in the row, the rest in session_event) goes with the session.
    expect((await readSession(f.db, outRow.id))?.events.map((event) => event.state)).toEqual(['active.live', 'terminated.loggedOut']);

    // Merely idle, a day before it expires: untouched, and its refresh token still works (a
    // refresh does not extend the session, so the boundaries below stay where they are).
    f.at(idleRow.expiresAt.getTime() - DAY);
    await f.purgeNow();
    expect(await f.db.session.findUnique({ where: { id: idleRow.id } })).toMatchObject({ state: 'active', stateValue: 'active.live' });
    expect((await f.refresh(idle.refreshToken)).status).toBe(200);
    expect(await f.db.session.findUnique({ where: { id: idleRow.id } })).toMatchObject({ expiresAt: idleRow.expiresAt });

    f.at(t0 + audit - 1);
    expect((await f.purgeNow()).sessions).toBe(0);
    f.at(t0 + audit);
    expect(await f.purgeNow()).toEqual(NOTHING);
    f.at(t0 + audit + 1);
    expect(await f.purgeNow()).toEqual({ ...NOTHING, sessions: 1 });
    expect(await f.db.session.findUnique({ where: { id: outRow.id } })).toBeNull();
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

    // Logged in at t0 + audit + 1: 14 days later it has expired, but its audit period has not passed.
    expect(await f.db.session.count({ where: { userId: live.userId } })).toBe(1);
  });

  it('takes its refresh-token families with it, and their rotated-out tokens (cascade): no family outlives its session', async () => {
    const t0 = await f.startOver();
    // A legal setting (AUDIT_RETENTION_DAYS=1, RETENTION_HOURS=720): dead families outlive their session's audit period.
    const retention = { auditMs: DAY, graceMs: 30 * DAY };
    const login = await f.login();
    const rotated = await f.refresh(login.refreshToken);
    expect(rotated.status).toBe(200);
    const stopped = await f.login();
    await f.logout(login.sessionId);
    await f.logout(stopped.sessionId);
    // Logging out leaves the families as they were; one is stopped when its token is presented.
    expect((await f.refresh(stopped.refreshToken)).status).toBe(400);
    const session = await f.db.session.findFirstOrThrow({ where: { userId: login.userId } });
    const family = await familyOf(login.userId);
    expect(family).toMatchObject({ sessionId: session.id, stateValue: 'active' });
    expect(await rotatedOut(family.id)).toBe(1);
    const stoppedSession = await f.db.session.findFirstOrThrow({ where: { userId: stopped.userId } });
    expect(await familyOf(stopped.userId)).toMatchObject({ sessionId: stoppedSession.id, stateValue: 'sessionEnded.ended' });

    f.at(t0 + DAY);
    expect(await f.purgeNow(retention)).toEqual(NOTHING);
    f.at(t0 + DAY + 1);
    // The families are not counted: they went with their sessions.
    expect(await f.purgeNow(retention)).toEqual({ ...NOTHING, sessions: 2 });
    expect(await f.db.session.count({ where: { id: { in: [session.id, stoppedSession.id] } } })).toBe(0);
    expect(await f.db.refreshFamily.count({ where: { userId: { in: [login.userId, stopped.userId] } } })).toBe(0);
    expect(await rotatedOut(family.id)).toBe(0);
    expect(await f.db.refreshFamily.count({ where: { sessionId: null } })).toBe(0);
    expect(await f.db.refreshToken.count()).toBe(0);
    // No family, no refresh: neither its current token nor the rotated-out one finds anything.
    expect((await f.refresh(rotated.body.refresh_token)).status).toBe(400);
    expect((await f.refresh(login.refreshToken)).status).toBe(400);
  });
});

describe('purge: refresh-token families', () => {
  it('a family revoked for reuse, stopped by its session’s end, or of a logged-out session goes graceMs after that, with its rotated-out tokens; an active family keeps them and still detects reuse', async () => {
    const t0 = await f.startOver();
    const grace = f.retention.graceMs;
    const kept = await f.login();
    const next = await f.refresh(kept.refreshToken);
    expect(next.status).toBe(200);
    const ended = await f.login();
    await f.logout(ended.sessionId);
    const untried = await f.login();
    await f.logout(untried.sessionId);
    // Logging out leaves the families alone: a family of a logged-out session is refused at use.
    expect((await f.refresh(ended.refreshToken)).status).toBe(400);
    expect(await familyOf(ended.userId)).toMatchObject({ stateValue: 'sessionEnded.ended', updatedAt: new Date(t0) });
    expect(await familyOf(untried.userId)).toMatchObject({ stateValue: 'active' });
    const keptFamily = await familyOf(kept.userId);
    expect(keptFamily.stateValue).toBe('active');
    expect(await rotatedOut(keptFamily.id)).toBe(1);

    f.at(t0 + grace);
    expect(await f.purgeNow()).toEqual(NOTHING);
    f.at(t0 + grace + 1);
    // The family stopped by its session's end, and the one of the other logged-out session, never
    // presented since (the used codes' hashes stay until their expiry + grace).
    expect(await f.purgeNow()).toEqual({ ...NOTHING, refreshTokens: 2 });
    expect(await f.db.refreshFamily.count({ where: { userId: { in: [ended.userId, untried.userId] } } })).toBe(0);
    // The active family keeps its rotated-out token.
    expect(await rotatedOut(keptFamily.id)).toBe(1);

    // The rotated-out token, presented again, revokes its family: the current token stops working.
    const revokedAt = t0 + grace + 1;
    expect((await f.refresh(kept.refreshToken)).status).toBe(400);
    expect(await familyOf(kept.userId)).toMatchObject({ stateValue: 'revoked.reuseDetected', endedAt: new Date(revokedAt) });
    // Refused again later: the grace period still counts from the revocation.
    f.at(revokedAt + grace - 1);
    expect((await f.refresh(next.body.refresh_token)).status).toBe(400);
    expect(await familyOf(kept.userId)).toMatchObject({ stateValue: 'revoked.refused', endedAt: new Date(revokedAt), updatedAt: new Date(revokedAt + grace - 1) });

    expect((await f.purgeNow()).refreshTokens).toBe(0);
    f.at(revokedAt + grace);
    expect(await f.purgeNow()).toEqual(NOTHING);
    f.at(revokedAt + grace + 1);
    expect(await f.purgeNow()).toEqual({ ...NOTHING, refreshTokens: 1 });
    expect(await f.db.refreshFamily.count({ where: { userId: kept.userId } })).toBe(0);
    expect(await rotatedOut(keptFamily.id)).toBe(0);
  });

  it('an expired family goes graceMs after it expired, with its rotated-out tokens, even if presented since; an active family stays', async () => {
    const t0 = await f.startOver();
    const grace = f.retention.graceMs;
    const family = await f.login();
    const next = await f.refresh(family.refreshToken);
    expect(next.status).toBe(200);
    const row = await familyOf(family.userId);
    const expiry = row.expiresAt.getTime();
    expect(expiry).toBe(t0 + 14 * DAY);
    expect(await rotatedOut(row.id)).toBe(1);

    f.at(expiry + grace - 1);
    // Presented after its expiry: refused, which does not keep the family any longer.
    expect((await f.refresh(next.body.refresh_token)).status).toBe(400);
    expect(await familyOf(family.userId)).toMatchObject({ stateValue: 'expired.lapsed', updatedAt: new Date(expiry + grace - 1) });
    expect((await f.purgeNow()).refreshTokens).toBe(0);
    const active = await f.login();
    f.at(expiry + grace);
    expect(await f.purgeNow()).toEqual(NOTHING);
    f.at(expiry + grace + 1);
    expect(await f.purgeNow()).toEqual({ ...NOTHING, refreshTokens: 1 });
    expect(await f.db.refreshFamily.count({ where: { userId: family.userId } })).toBe(0);
    expect(await rotatedOut(row.id)).toBe(0);
    expect(await familyOf(active.userId)).toMatchObject({ stateValue: 'active' });
    expect((await f.refresh(active.refreshToken)).status).toBe(200);
    expect(await rotatedOut((await familyOf(active.userId)).id)).toBe(1);
  });
});
