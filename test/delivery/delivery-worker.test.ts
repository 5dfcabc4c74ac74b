import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDueDeliveryJobs } from '../../src/repositories/delivery-job-repository.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-catcher.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// The delivery worker on the injected clock: a retry is attempted when its flow's schedule says
// (DELIVERY_RETRY_DELAYS_MS=5000,60000 here), a message someone holds (an attempt in progress, or
// the one a stopped process was making) waits for the end of its lease, and two workers never
// claim the same message.

let db: TestDatabase;
let smtp: SmtpCatcher;
let server: TestServer;
let client: TestClient;
let counter = 0;

beforeAll(async () => {
  db = await freshDatabase();
  smtp = await startSmtpCatcher();
  server = await startTestServer({ databaseUrl: db.url, smtpUrl: smtp.url, env: { DELIVERY_RETRY_DELAYS_MS: '5000,60000' } });
  client = await server.createApp({ name: 'Worker' });
});

afterAll(async () => {
  await server?.close();
  await smtp?.close();
  await db?.drop();
});

/** A passcode send whose first attempt meets an SMTP outage: answered, its message kept. */
async function sendDuringOutage(): Promise<{ userId: string; email: string }> {
  const email = `worker${++counter}@example.com`;
  const userId = (await client.call('POST', '/cis/v1/users', { email })).body.result.user_id as string;
  smtp.setFailure('temporary-failure');
  try {
    expect((await client.call('POST', '/cis/v1/auth/otp/send', { channel: 'email', identifier_type: 'email', identifier: email })).status).toBe(200);
  } finally {
    smtp.setFailure(null);
  }
  return { userId, email };
}
const flowOf = (userId: string) => db.storage.db.flow.findFirstOrThrow({ where: { userId }, orderBy: { createdAt: 'desc' } });

describe('delivery worker', () => {
  it('attempts a retry when the flow scheduled it, not before', async () => {
    const { userId, email } = await sendDuringOutage();
    const flow = await flowOf(userId);
    const kept = await db.storage.db.deliveryJob.findUniqueOrThrow({ where: { flowId: flow.id } });
    expect(kept.attempts).toBe(1);
    expect(kept.dueAt.getTime()).toBe(server.clock.now() + 5000);
    expect(kept.leaseUntil).toBeNull();
    server.clock.advance(4999);
    expect(await server.app.deliveries.runDue()).toBe(0);
    server.clock.advance(1);
    expect(await server.app.deliveries.runDue()).toBe(1);
    expect((await smtp.nextMail()).to).toContain(email);
    expect((await flowOf(userId)).stateValue).toBe('pending.awaitingCode');
  });

  it('leaves a message someone holds until the lease ends, then attempts it', async () => {
    const { userId } = await sendDuringOutage();
    const flow = await flowOf(userId);
    server.clock.advance(5000);
    // What a process that stopped in the middle of an attempt leaves behind: the lease it took.
    await db.storage.db.deliveryJob.update({ where: { flowId: flow.id }, data: { leaseUntil: new Date(server.clock.now() + 60_000) } });
    expect(await server.app.deliveries.runDue()).toBe(0);
    server.clock.advance(59_999);
    expect(await server.app.deliveries.runDue()).toBe(0);
    server.clock.advance(1);
    expect(await server.app.deliveries.runDue()).toBe(1);
    await smtp.nextMail();
    expect((await flowOf(userId)).stateValue).toBe('pending.awaitingCode');
  });

  it('makes the first attempt a process stopped before making, once its lease ends', async () => {
    const { userId, email } = await sendDuringOutage();
    const flow = await flowOf(userId);
    // What a process that stopped between the send's commit and its first attempt leaves behind:
    // the flow still sending, its message held by the lease the send took.
    const created = (flow.events as { seq: number; type: string; at: number; state: string; fields: Record<string, never> }[])[0] ?? {};
    await db.storage.db.flow.update({ where: { id: flow.id }, data: { stateValue: 'sending', context: { ...(flow.context as object), deliveryAttempts: 0 }, events: [created], version: 1 } });
    await db.storage.db.deliveryJob.update({ where: { flowId: flow.id }, data: { attempts: 0, dueAt: new Date(server.clock.now()), leaseUntil: new Date(server.clock.now() + 60_000) } });
    expect(await server.app.deliveries.runDue()).toBe(0);
    server.clock.advance(60_000);
    expect(await server.app.deliveries.runDue()).toBe(1);
    expect((await smtp.nextMail()).to).toContain(email);
    expect((await flowOf(userId)).stateValue).toBe('pending.awaitingCode');
  });

  it('drops a due message whose code expired, unsent', async () => {
    const { userId } = await sendDuringOutage();
    server.clock.advance(5 * 60_000);
    expect(await server.app.deliveries.runDue()).toBe(1);
    expect((await flowOf(userId)).stateValue).toBe('expired.lapsed');
    expect(await db.storage.db.deliveryJob.count()).toBe(0);
  });

  it('gives a due message to one claimant only', async () => {
    await sendDuringOutage();
    server.clock.advance(5000);
    const now = server.clock.now();
    const first = await claimDueDeliveryJobs(db.storage.db, db.storage.provider, now, now + 60_000, 10);
    const second = await claimDueDeliveryJobs(db.storage.db, db.storage.provider, now, now + 60_000, 10);
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(0);
    server.clock.advance(60_000);
    expect(await server.app.deliveries.runDue()).toBe(1);
    await smtp.nextMail();
  });
});
