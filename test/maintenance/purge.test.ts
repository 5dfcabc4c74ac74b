import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PurgeStep } from '../../src/maintenance/purge.js';
import { DAY, MINUTE, NOTHING, type PurgeFixture, startPurgeFixture } from '../helpers/purge-fixture.js';

// The purge of codes, flows, lockouts and dev-outbox messages (issue 7, point 10), on data made
// through the HTTP API: the clock is moved to just before and just after each boundary. Each test
// starts a year after the previous one, with nothing purgeable left, so the counts are exact.

let f: PurgeFixture;

beforeAll(async () => {
  f = await startPurgeFixture();
});

afterAll(async () => {
  await f?.close();
});

describe('purge: codes', () => {
  it('a used or expired code goes graceMs after it was used or expired; its flow stays; a pending code stays and still works', async () => {
    const t0 = await f.startOver();
    const grace = f.retention.graceMs;
    const used = await f.login();
    const pendingUser = await f.newUser();
    await f.sendCode(pendingUser.email);
    const usedCode = await f.db.challenge.findFirstOrThrow({ where: { userId: used.userId } });
    const pendingCode = await f.db.challenge.findFirstOrThrow({ where: { userId: pendingUser.id } });
    expect(usedCode.usedAt?.getTime()).toBe(t0);
    expect(pendingCode.usedAt).toBeNull();

    f.at(t0 + grace);
    expect(await f.purgeNow()).toEqual(NOTHING);
    f.at(t0 + grace + 1);
    expect(await f.purgeNow()).toEqual({ ...NOTHING, challenges: 1 });
    expect(await f.db.challenge.findUnique({ where: { id: usedCode.id } })).toBeNull();
    expect(await f.db.challenge.findUnique({ where: { id: pendingCode.id } })).not.toBeNull();
    // The flow that issued it is audit trail: it stays, with its log.
    expect(await f.db.flow.findUnique({ where: { id: usedCode.flowId } })).not.toBeNull();
    expect(await f.db.flowEvent.count({ where: { flowId: usedCode.flowId } })).toBeGreaterThan(1);

    const expiry = pendingCode.expiresAt.getTime();
    expect(expiry).toBe(t0 + 5 * MINUTE);
    f.at(expiry + grace);
    expect(await f.purgeNow()).toEqual(NOTHING);
    f.at(expiry + grace + 1);
    expect(await f.purgeNow()).toEqual({ ...NOTHING, challenges: 1 });
    expect(await f.db.challenge.findUnique({ where: { id: pendingCode.id } })).toBeNull();

    const live = await f.newUser();
    const code = await f.sendCode(live.email);
    expect(await f.purgeNow()).toEqual(NOTHING);
    expect((await f.authenticate(live.email, code)).status).toBe(200);
  });
});

describe('purge: flows', () => {
  it('a flow goes with its event log auditMs after it expired; a flow inside its audit period stays', async () => {
    const t0 = await f.startOver();
    const audit = f.retention.auditMs;
    const linkLogin = await f.magicLinkLogin();
    const otpUser = await f.newUser();
    await f.sendCode(otpUser.email);
    const linkFlow = await f.db.flow.findUniqueOrThrow({ where: { id: (await f.db.challenge.findFirstOrThrow({ where: { userId: linkLogin.userId } })).flowId } });
    const otpFlow = await f.db.flow.findUniqueOrThrow({ where: { id: (await f.db.challenge.findFirstOrThrow({ where: { userId: otpUser.id } })).flowId } });
    expect(linkFlow.expiresAt.getTime()).toBe(t0 + 15 * MINUTE);
    expect(otpFlow.expiresAt.getTime()).toBe(t0 + 5 * MINUTE);
    f.at(t0 + DAY);
    const laterUser = await f.newUser();
    await f.sendCode(laterUser.email);
    const laterFlowId = (await f.db.challenge.findFirstOrThrow({ where: { userId: laterUser.id } })).flowId;

    // Codes and tokens of these logins go first; then each boundary shows flows alone.
    f.at(otpFlow.expiresAt.getTime() + audit - 1);
    expect((await f.purgeNow()).flows).toBe(0);
    f.at(otpFlow.expiresAt.getTime() + audit);
    expect(await f.purgeNow()).toEqual(NOTHING);
    f.at(otpFlow.expiresAt.getTime() + audit + 1);
    expect(await f.purgeNow()).toEqual({ ...NOTHING, flows: 1 });
    expect(await f.db.flow.findUnique({ where: { id: otpFlow.id } })).toBeNull();
    expect(await f.db.flowEvent.count({ where: { flowId: otpFlow.id } })).toBe(0);
    expect(await f.db.flowEvent.count({ where: { flowId: linkFlow.id } })).toBeGreaterThan(1);

    f.at(linkFlow.expiresAt.getTime() + audit);
    expect(await f.purgeNow()).toEqual(NOTHING);
    f.at(linkFlow.expiresAt.getTime() + audit + 1);
    expect(await f.purgeNow()).toEqual({ ...NOTHING, flows: 1 });
    expect(await f.db.flow.findUnique({ where: { id: linkFlow.id } })).toBeNull();
    expect(await f.db.flowEvent.count({ where: { flowId: linkFlow.id } })).toBe(0);

    expect(await f.db.flow.findUnique({ where: { id: laterFlowId } })).not.toBeNull();
    expect(await f.db.flowEvent.count({ where: { flowId: laterFlowId } })).toBeGreaterThan(0);
  });

  it('takes its codes with it (cascade) when the audit period is shorter than the grace period', async () => {
    const t0 = await f.startOver();
    const retention = { auditMs: DAY, graceMs: 7 * DAY };
    const user = await f.newUser();
    await f.sendCode(user.email);
    const code = await f.db.challenge.findFirstOrThrow({ where: { userId: user.id } });
    f.at(t0 + 5 * MINUTE + DAY);
    expect(await f.purgeNow(retention)).toEqual(NOTHING);
    f.at(t0 + 5 * MINUTE + DAY + 1);
    expect(await f.purgeNow(retention)).toEqual({ ...NOTHING, flows: 1 });
    expect(await f.db.challenge.findUnique({ where: { id: code.id } })).toBeNull();
  });
});

describe('purge: lockouts', () => {
  it('a lockout goes graceMs after it ended; a lockout in force stays and still locks', async () => {
    const t0 = await f.startOver();
    const grace = f.retention.graceMs;
    const lockOut = async (): Promise<{ id: string; email: string }> => {
      const user = await f.newUser();
      const code = await f.sendCode(user.email);
      const wrong = code === '123456' ? '654321' : '123456';
      for (let i = 0; i < 2; i++) expect((await f.authenticate(user.email, wrong)).body.error_code).toBe('auth_invalid_credentials');
      expect((await f.authenticate(user.email, wrong)).body.error_code).toBe('auth_locked');
      return user;
    };
    const locked = await lockOut();
    const lockout = await f.db.lockout.findFirstOrThrow({ where: { userId: locked.id } });
    const until = lockout.lockedUntil.getTime();
    expect(until).toBe(t0 + 15 * MINUTE);

    f.at(until + grace - 1);
    expect((await f.purgeNow()).lockouts).toBe(0);
    f.at(until + grace);
    expect(await f.purgeNow()).toEqual(NOTHING);
    f.at(until + grace + 1);
    expect(await f.purgeNow()).toEqual({ ...NOTHING, lockouts: 1 });
    expect(await f.db.lockout.count({ where: { userId: locked.id } })).toBe(0);

    const stillLocked = await lockOut();
    expect(await f.purgeNow()).toEqual(NOTHING);
    expect(await f.db.lockout.count({ where: { userId: stillLocked.id } })).toBe(1);
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
    expect(await f.db.flowEvent.count()).toBe(0);
  });

  it('an aborted purge starts no batch', async () => {
    const t0 = await f.startOver();
    await f.sendCode((await f.newUser()).email, 'email');
    f.at(t0 + f.retention.auditMs + DAY);
    const stop = new AbortController();
    stop.abort();
    expect(await f.purgeNow(f.retention, { signal: stop.signal })).toEqual(NOTHING);
    expect(await f.db.delivery.count()).toBe(1);
    expect(await f.purgeNow()).toEqual({ ...NOTHING, challenges: 1, flows: 1, deliveries: 1 });
  });

  it('refuses a batch size that could never finish', async () => {
    await expect(f.purgeNow(f.retention, { batchSize: 0 })).rejects.toThrow(RangeError);
  });
});
