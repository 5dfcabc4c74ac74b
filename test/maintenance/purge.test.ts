import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../../src/engine/definition.js';
import type { PurgeStep } from '../../src/maintenance/purge.js';
import { DAY, MINUTE, NOTHING, type PurgeFixture, startPurgeFixture } from '../helpers/purge-fixture.js';

// The purge of code hashes, flows, lockouts and dev-outbox messages (issue 7, point 10), on data
// made through the HTTP API: the clock is moved to just before and just after each boundary. Each
// test starts a year after the previous one, with nothing purgeable left, so the counts are exact.

let f: PurgeFixture;

beforeAll(async () => {
  f = await startPurgeFixture();
});

afterAll(async () => {
  await f?.close();
});

/** The newest flow of this kind for the user (the one an authenticate call means). */
const latestFlow = (userId: string, kind: 'otp' | 'magic-link' = 'otp') => f.db.flow.findFirstOrThrow({ where: { userId, kind }, orderBy: { createdAt: 'desc' } });
/** A flow's event log (kept in its row). */
const eventsOf = (flow: { events: unknown }) => flow.events as LoggedEvent[];

describe('purge: codes', () => {
  it('a code’s hash is cleared graceMs after the code expired, redeemed or not; its flow stays with its log; a pending code stays and still works', async () => {
    const t0 = await f.startOver();
    const grace = f.retention.graceMs;
    const used = await f.login();
    const pendingUser = await f.newUser();
    await f.sendCode(pendingUser.email);
    const supersededFlow = await latestFlow(pendingUser.id);
    f.at(t0 + MINUTE);
    const code = await f.sendCode(pendingUser.email);
    expect((await f.authenticate(pendingUser.email, code === '123456' ? '654321' : '123456')).status).toBe(400);
    const usedFlow = await latestFlow(used.userId);
    const pendingFlow = await latestFlow(pendingUser.id);
    expect(usedFlow).toMatchObject({ stateValue: 'authenticated.redeemed', secretHash: expect.any(String) });
    expect(await f.db.flow.findUniqueOrThrow({ where: { id: supersededFlow.id } })).toMatchObject({ stateValue: 'superseded.replaced', secretHash: expect.any(String) });
    expect(pendingFlow).toMatchObject({ stateValue: 'pending.wrongCode', secretHash: expect.any(String), context: expect.objectContaining({ attempts: 1 }) });
    // A redeemed code's hash is kept until the code expires, like an unredeemed one's.
    const expiry = usedFlow.expiresAt.getTime();
    expect(expiry).toBe(t0 + 5 * MINUTE);
    expect(supersededFlow.expiresAt.getTime()).toBe(expiry);

    f.at(expiry + grace);
    expect(await f.purgeNow()).toEqual(NOTHING);
    f.at(expiry + grace + 1);
    // The redeemed code and the superseded one.
    expect(await f.purgeNow()).toEqual({ ...NOTHING, challenges: 2 });
    // Only the hash goes: the flow that issued it is audit trail, and stays as it was, with its log.
    const usedAfter = await f.db.flow.findUniqueOrThrow({ where: { id: usedFlow.id } });
    expect(usedAfter).toEqual({ ...usedFlow, secretHash: null });
    expect(eventsOf(usedAfter).length).toBeGreaterThan(1);
    expect(eventsOf(usedAfter).map((event) => event.state)).toContain('authenticated.redeemed');
    expect(await f.db.flow.findUniqueOrThrow({ where: { id: supersededFlow.id } })).toMatchObject({ stateValue: 'superseded.replaced', secretHash: null });
    expect(await f.db.flow.findUniqueOrThrow({ where: { id: pendingFlow.id } })).toEqual(pendingFlow);

    const pendingExpiry = pendingFlow.expiresAt.getTime();
    expect(pendingExpiry).toBe(t0 + 6 * MINUTE);
    f.at(pendingExpiry + grace);
    expect(await f.purgeNow()).toEqual(NOTHING);
    f.at(pendingExpiry + grace + 1);
    expect(await f.purgeNow()).toEqual({ ...NOTHING, challenges: 1 });
    expect(await f.db.flow.findUniqueOrThrow({ where: { id: pendingFlow.id } })).toEqual({ ...pendingFlow, secretHash: null });
    // A cleared hash is not counted again, and the flows stay for their audit period.
    expect(await f.purgeNow()).toEqual(NOTHING);
    expect(await f.db.flow.count({ where: { userId: { in: [used.userId, pendingUser.id] } } })).toBe(3);

    const live = await f.newUser();
    const liveCode = await f.sendCode(live.email);
    expect(await f.purgeNow()).toEqual(NOTHING);
    expect((await latestFlow(live.id)).secretHash).not.toBeNull();
    expect((await f.authenticate(live.email, liveCode)).status).toBe(200);
  });
});

describe('purge: flows', () => {
  it('a flow goes with its event log auditMs after it expired; a flow inside its audit period stays', async () => {
    const t0 = await f.startOver();
    const audit = f.retention.auditMs;
    const linkLogin = await f.magicLinkLogin();
    const otpUser = await f.newUser();
    await f.sendCode(otpUser.email);
    const linkFlow = await latestFlow(linkLogin.userId, 'magic-link');
    const otpFlow = await latestFlow(otpUser.id);
    expect(linkFlow.stateValue).toBe('authenticated.redeemed');
    expect(otpFlow.stateValue).toBe('pending.awaitingCode');
    expect(linkFlow.expiresAt.getTime()).toBe(t0 + 15 * MINUTE);
    expect(otpFlow.expiresAt.getTime()).toBe(t0 + 5 * MINUTE);
    f.at(t0 + DAY);
    const laterUser = await f.newUser();
    await f.sendCode(laterUser.email);
    const laterFlowId = (await latestFlow(laterUser.id)).id;

    // Code hashes and refresh-token families of these logins go first; then each boundary shows flows alone.
    f.at(otpFlow.expiresAt.getTime() + audit - 1);
    expect((await f.purgeNow()).flows).toBe(0);
    f.at(otpFlow.expiresAt.getTime() + audit);
    expect(await f.purgeNow()).toEqual(NOTHING);
    f.at(otpFlow.expiresAt.getTime() + audit + 1);
    expect(await f.purgeNow()).toEqual({ ...NOTHING, flows: 1 });
    expect(await f.db.flow.findUnique({ where: { id: otpFlow.id } })).toBeNull();
    // The magic-link flow is still in its audit period: it stays with its log (its code hash is gone).
    const linkKept = await f.db.flow.findUniqueOrThrow({ where: { id: linkFlow.id } });
    expect(linkKept).toEqual({ ...linkFlow, secretHash: null });
    expect(eventsOf(linkKept).length).toBeGreaterThan(1);

    f.at(linkFlow.expiresAt.getTime() + audit);
    expect(await f.purgeNow()).toEqual(NOTHING);
    f.at(linkFlow.expiresAt.getTime() + audit + 1);
    expect(await f.purgeNow()).toEqual({ ...NOTHING, flows: 1 });
    expect(await f.db.flow.findUnique({ where: { id: linkFlow.id } })).toBeNull();

    const laterFlow = await f.db.flow.findUniqueOrThrow({ where: { id: laterFlowId } });
    expect(eventsOf(laterFlow).length).toBeGreaterThan(0);
  });

  it('takes its code hash with it when the audit period is shorter than the grace period', async () => {
    const t0 = await f.startOver();
    const retention = { auditMs: DAY, graceMs: 7 * DAY };
    const user = await f.newUser();
    await f.sendCode(user.email);
    const { secretHash } = await latestFlow(user.id);
    expect(secretHash).not.toBeNull();
    f.at(t0 + 5 * MINUTE + DAY);
    expect(await f.purgeNow(retention)).toEqual(NOTHING);
    f.at(t0 + 5 * MINUTE + DAY + 1);
    expect(await f.purgeNow(retention)).toEqual({ ...NOTHING, flows: 1 });
    expect(await f.db.flow.count({ where: { userId: user.id } })).toBe(0);
    expect(await f.db.flow.count({ where: { secretHash } })).toBe(0);
  });
});

describe('purge: lockouts', () => {
  it('a lockout goes graceMs after it ended; a lockout in force stays and still locks, sends included', async () => {
    const t0 = await f.startOver();
    const grace = f.retention.graceMs;
    const lockOut = async (): Promise<{ id: string; email: string }> => {
      const user = await f.newUser();
      const code = await f.sendCode(user.email);
      const wrong = code === '123456' ? '654321' : '123456';
      for (let i = 0; i < 2; i++) expect((await f.authenticate(user.email, wrong)).body.error_code).toBe('auth_invalid_credentials');
      expect((await f.authenticate(user.email, wrong)).body.error_code).toBe('auth_locked');
      expect(await latestFlow(user.id)).toMatchObject({ stateValue: 'locked.holding', context: expect.objectContaining({ attempts: 3 }) });
      return user;
    };
    const locked = await lockOut();
    // The lock is the user's passcode lock instance (src/flows/otp/lock.ts), in state `locked`.
    const until = t0 + 15 * MINUTE;
    expect(await f.db.credential.findFirstOrThrow({ where: { userId: locked.id, kind: 'passcode-lock' } })).toMatchObject({ stateValue: 'locked', context: { lockedUntil: until } });

    f.at(until + grace - 1);
    expect((await f.purgeNow()).lockouts).toBe(0);
    f.at(until + grace);
    expect(await f.purgeNow()).toEqual(NOTHING);
    f.at(until + grace + 1);
    expect(await f.purgeNow()).toEqual({ ...NOTHING, lockouts: 1 });
    expect(await f.db.credential.count({ where: { userId: locked.id, kind: 'passcode-lock' } })).toBe(0);
    // Nothing of it is left in force: the user logs in again.
    expect((await f.authenticate(locked.email, await f.sendCode(locked.email))).status).toBe(200);

    const stillLocked = await lockOut();
    // A send during the lockout is refused: the refusal is a flow that issued no code.
    const refusedSend = await f.app.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'email', identifier: stillLocked.email });
    expect(refusedSend.body.error_code).toBe('auth_locked');
    expect(refusedSend.body.code).toBeUndefined();
    expect(await latestFlow(stillLocked.id)).toMatchObject({ stateValue: 'lockedOut.refusedSend', secretHash: null });
    expect(await f.purgeNow()).toEqual(NOTHING);
    expect(await f.db.credential.count({ where: { userId: stillLocked.id, kind: 'passcode-lock' } })).toBe(1);
    expect((await f.authenticate(stillLocked.email, '000000')).body.error_code).toBe('auth_locked');
  });
});

describe('purge: dev outbox', () => {
  it('a message goes graceMs after it was written; a newer one stays in /dev/outbox', async () => {
    const t0 = await f.startOver();
    const grace = f.retention.graceMs;
    const user = await f.newUser();
    await f.sendCode(user.email, 'email');
    const [message] = await f.db.delivery.findMany({ where: { to: user.email } });
    expect(message?.createdAt.getTime()).toBe(t0);

    f.at(t0 + grace);
    expect(await f.purgeNow()).toEqual(NOTHING);
    f.at(t0 + grace + 1);
    expect(await f.purgeNow()).toEqual({ ...NOTHING, deliveries: 1 });
    expect(await f.db.delivery.count({ where: { to: user.email } })).toBe(0);

    await f.sendCode(user.email, 'email');
    expect(await f.purgeNow()).toEqual(NOTHING);
    const outbox = (await (await fetch(`${f.server.url}/dev/outbox?to=${encodeURIComponent(user.email)}`)).json()) as unknown[];
    expect(outbox).toHaveLength(1);
  });
});

describe('purge: batches and extra steps', () => {
  it('deletes in batches until nothing is left, then runs extra steps and adds their counts', async () => {
    const t0 = await f.startOver();
    for (let i = 0; i < 5; i++) await f.sendCode((await f.newUser()).email, 'email');
    const seen: number[] = [];
    const retiredKeys: PurgeStep = {
      async run(run) {
        // Runs after the built-in steps, with the same time and batch size.
        seen.push(await f.db.flow.count(), run.at, run.batchSize);
        return { retiredKeys: 3 };
      },
    };
    f.at(t0 + f.retention.auditMs + DAY);
    expect(await f.purgeNow(f.retention, { batchSize: 2, extraSteps: [retiredKeys] })).toEqual({ ...NOTHING, challenges: 5, flows: 5, deliveries: 5, retiredKeys: 3 });
    expect(seen).toEqual([0, t0 + f.retention.auditMs + DAY, 2]);
    expect(await f.db.delivery.count()).toBe(0);
  });

  it('an aborted purge starts no batch', async () => {
    const t0 = await f.startOver();
    await f.sendCode((await f.newUser()).email, 'email');
    f.at(t0 + f.retention.auditMs + DAY);
    const stop = new AbortController();
    stop.abort();
    expect(await f.purgeNow(f.retention, { signal: stop.signal })).toEqual(NOTHING);
    expect(await f.db.delivery.count()).toBe(1);
    expect(await f.db.flow.count({ where: { secretHash: { not: null } } })).toBe(1);
    expect(await f.purgeNow()).toEqual({ ...NOTHING, challenges: 1, flows: 1, deliveries: 1 });
  });

  it('refuses a batch size that could never finish', async () => {
    await expect(f.purgeNow(f.retention, { batchSize: 0 })).rejects.toThrow(RangeError);
  });
});

describe('purge: credentials', () => {
  it('a revoked authenticator goes auditMs after its revocation, with its log; a live one stays', async () => {
    const t0 = await f.startOver();
    const audit = f.retention.auditMs;
    const registered = async (): Promise<string> => {
      const user = await f.newUser();
      const { access_token: token } = (await f.authenticate(user.email, await f.sendCode(user.email))).body as { access_token: string };
      const response = await fetch(`${f.server.url}/cis/v1/auth/totp/register`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
      expect(response.status).toBe(201);
      return user.id;
    };
    const revokedUser = await registered();
    const liveUser = await registered();
    expect((await f.app.call('POST', `/cis/v1/users/${revokedUser}/totp/revoke`)).status).toBe(204);
    const revoked = await f.db.credential.findFirstOrThrow({ where: { userId: revokedUser } });
    expect(revoked.endedAt?.getTime()).toBe(t0);
    expect(await f.db.credentialEvent.count({ where: { credentialId: revoked.id } })).toBe(1);

    f.at(t0 + audit);
    expect((await f.purgeNow()).credentials).toBe(0);
    f.at(t0 + audit + 1);
    expect((await f.purgeNow()).credentials).toBe(1);
    expect(await f.db.credential.count({ where: { userId: revokedUser } })).toBe(0);
    expect(await f.db.credentialEvent.count({ where: { credentialId: revoked.id } })).toBe(0);
    expect(await f.db.credential.findFirstOrThrow({ where: { userId: liveUser } })).toMatchObject({ stateValue: 'active.ready', endedAt: null });
  });
});
