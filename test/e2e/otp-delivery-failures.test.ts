import { describe, expect, it } from 'vitest';
import { ACCOUNT, authenticate, codeIn, db, newUser, send, server, smtp, twilio, useOtpFixture } from '../helpers/otp-fixture.js';
import { startTestServer } from '../helpers/test-server.js';

// One-time passcodes when delivery fails, end to end: an outage answers the send (the message is
// kept beside the flow) and the delivery worker retries it on the flow's schedule until it is
// delivered or the schedule is spent; Twilio refusing the credentials; SMTP refusing. The test
// server's schedule is two retries without waiting (DELIVERY_RETRY_DELAYS_MS=0,0), and its worker
// runs when the test says (server.app.deliveries.runDue()).

useOtpFixture();

const latestFlow = (userId: string) => db.storage.db.flow.findFirstOrThrow({ where: { kind: 'otp', userId }, orderBy: { createdAt: 'desc' } });
const keptMessages = () => db.storage.db.deliveryJob.count();

describe('one-time passcodes, end to end', () => {
  it('provider outage: the send answers, the worker retries, the code arrives and logs in', async () => {
    const user = await newUser();
    const id = { channel: 'sms', identifier_type: 'email', identifier: user.email };
    twilio.setFailure({ failNext: 2 });
    expect((await send(id)).status).toBe(200);
    expect((await latestFlow(user.id)).stateValue).toBe('retrying');
    expect(await keptMessages()).toBe(1);
    // The first retry meets the outage too; the second, due at once on this schedule, gets through.
    expect(await server.app.deliveries.runDue()).toBe(2);
    const flow = await latestFlow(user.id);
    expect(flow.stateValue).toBe('pending.awaitingCode');
    expect((flow.events as { type: string; state: string }[]).map((event) => [event.type, event.state])).toEqual([
      ['xstate.init', 'sending'],
      ['challenge.undeliverable', 'retrying'],
      ['delivery.due', 'retrying'],
      ['challenge.undeliverable', 'retrying'],
      ['delivery.due', 'retrying'],
      ['challenge.delivered', 'pending.awaitingCode'],
    ]);
    expect(await keptMessages()).toBe(0);
    const code = codeIn((await twilio.nextMessage()).body);
    expect((await authenticate({ passcode: code, identifier_type: 'email', identifier: user.email })).status).toBe(200);
  });

  it('a lasting outage spends the schedule and is recorded as failed; nothing is kept; then recovery', async () => {
    const user = await newUser();
    const id = { channel: 'sms', identifier_type: 'email', identifier: user.email };
    twilio.setFailure('server-error');
    expect((await send(id)).status).toBe(200);
    expect(await server.app.deliveries.runDue()).toBe(2);
    expect(await server.app.deliveries.runDue()).toBe(0);
    const failed = await latestFlow(user.id);
    expect(failed.stateValue).toBe('deliveryFailed.undelivered');
    expect(await keptMessages()).toBe(0);
    twilio.setFailure(null);
    expect((await send(id)).status).toBe(200);
    const code = codeIn((await twilio.nextMessage()).body);
    expect((await authenticate({ passcode: code, identifier_type: 'email', identifier: user.email })).status).toBe(200);
  });

  it('a code typed while the message is retried does not stop its delivery', async () => {
    const user = await newUser();
    twilio.setFailure({ failNext: 1 });
    expect((await send({ channel: 'sms', identifier_type: 'email', identifier: user.email })).status).toBe(200);
    expect((await authenticate({ passcode: '000000', identifier_type: 'email', identifier: user.email })).status).toBe(400);
    expect((await latestFlow(user.id)).stateValue).toBe('pending.wrongCode');
    expect(await server.app.deliveries.runDue()).toBe(1);
    expect(await keptMessages()).toBe(0);
    const code = codeIn((await twilio.nextMessage()).body);
    expect((await authenticate({ passcode: code, identifier_type: 'email', identifier: user.email })).status).toBe(200);
  });

  it('a newer send supersedes a code still being retried: its message is dropped, never sent', async () => {
    const user = await newUser();
    const id = { channel: 'sms', identifier_type: 'email', identifier: user.email };
    twilio.setFailure({ failNext: 1 });
    expect((await send(id)).status).toBe(200);
    expect((await send(id)).status).toBe(200);
    const fresh = codeIn((await twilio.nextMessage()).body);
    expect(await keptMessages()).toBe(0);
    expect(await server.app.deliveries.runDue()).toBe(0);
    expect((await authenticate({ passcode: fresh, identifier_type: 'email', identifier: user.email })).status).toBe(200);
  });

  it('provider misconfiguration (Twilio rejects the credentials) answers external_provider_configuration_error', async () => {
    const misconfigured = await startTestServer({ databaseUrl: db.url, clock: server.clock, twilio: { url: twilio.url, ...ACCOUNT, authToken: 'wrong-token' } });
    try {
      const app = await misconfigured.createApp({ name: 'Misconfigured' });
      await app.call('POST', '/cis/v1/users', { email: 'mis@example.com', phone_number: '+447911777777' });
      const answer = await app.call('POST', '/cis/v1/auth/otp/send', { channel: 'sms', identifier_type: 'email', identifier: 'mis@example.com' });
      expect(answer.status).toBe(400);
      expect(answer.body.error_code).toBe('external_provider_configuration_error');
    } finally {
      await misconfigured.close();
    }
  });

  it('SMTP refusing (a lasting 4xx) answers the send and is retried like any outage', async () => {
    const user = await newUser();
    smtp.setFailure('temporary-failure');
    try {
      const answer = await send({ channel: 'email', identifier_type: 'email', identifier: user.email });
      expect(answer.status).toBe(200);
      expect((await latestFlow(user.id)).stateValue).toBe('retrying');
    } finally {
      smtp.setFailure(null);
    }
    expect(await server.app.deliveries.runDue()).toBe(1);
    expect((await latestFlow(user.id)).stateValue).toBe('pending.awaitingCode');
    const code = codeIn((await smtp.nextMail()).text);
    expect((await authenticate({ passcode: code, identifier_type: 'email', identifier: user.email })).status).toBe(200);
  });
});
