import { describe, expect, it } from 'vitest';
import { ACCOUNT, authenticate, codeIn, db, newUser, send, server, smtp, twilio, useOtpFixture } from '../helpers/otp-fixture.js';
import { startTestServer } from '../helpers/test-server.js';

// One-time passcodes when delivery fails, end to end: a Twilio outage (retried, then 503 with
// nothing counted as sent, then recovery), Twilio refusing the credentials, and SMTP refusing.

useOtpFixture();

describe('one-time passcodes, end to end', () => {
  it('provider outage: Twilio 5xx is retried; a lasting outage answers 503 and nothing counts as sent; then recovery', async () => {
    const user = await newUser();
    const id = { channel: 'sms', identifier_type: 'email', identifier: user.email };
    twilio.setFailure({ failNext: 1 });
    expect((await send(id)).status).toBe(200);
    await twilio.nextMessage();

    twilio.setFailure('server-error');
    const outage = await send(id);
    expect(outage.status).toBe(503);
    twilio.setFailure(null);
    const flows = await db.storage.db.flow.findMany({ where: { kind: 'otp', stateValue: 'deliveryFailed.undelivered' } });
    expect(flows.length).toBeGreaterThanOrEqual(1);

    expect((await send(id)).status).toBe(200);
    const code = codeIn((await twilio.nextMessage()).body);
    expect((await authenticate({ passcode: code, identifier_type: 'email', identifier: user.email })).status).toBe(200);
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

  it('SMTP refusing answers a clear error and records the failed delivery', async () => {
    const user = await newUser();
    smtp.setFailure('temporary-failure');
    try {
      const answer = await send({ channel: 'email', identifier_type: 'email', identifier: user.email });
      expect(answer.status).toBe(503);
    } finally {
      smtp.setFailure(null);
    }
  });
});
