import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanUp, emptyDatabaseUrl, freePort, start } from '../helpers/process.js';
import { processClient } from '../helpers/process-client.js';
import { startSmtpCatcher } from '../helpers/smtp-catcher.js';

// Issue 10: a send that answered 200 is delivered or recorded as failed, even if the process dies.
// The real server in its own process answers a passcode send whose first attempt met an SMTP
// outage, and is killed (SIGKILL: nothing runs on the way out). Another process on the same
// database, its delivery worker polling, delivers the message once SMTP is back, and the code logs
// the user in there.

const ADMIN_TOKEN = 'an-admin-token-for-the-durability-test';
const MASTER_KEY = randomBytes(32).toString('base64');

afterEach(cleanUp);

describe('durable deliveries', () => {
  it('a send answered before its process was killed is delivered by another process', async () => {
    const smtp = await startSmtpCatcher();
    try {
      const databaseUrl = await emptyDatabaseUrl();
      const env = (port: number, pollMs: string) => ({
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        KEYSTATE_MASTER_KEY: MASTER_KEY,
        KEYSTATE_ADMIN_TOKEN: ADMIN_TOKEN,
        SMTP_URL: smtp.url,
        DELIVERY_RETRY_DELAYS_MS: '0',
        DELIVERY_POLL_MS: pollMs,
        // The send waits for its first attempt (on a loaded machine too): it fails, and the retry
        // it schedules is due at once, not when the send's lease ends.
        DELIVERY_FIRST_ATTEMPT_MS: '30000',
        // One deployment: tokens the first process issued are good at the second.
        ISSUER: 'http://keystate.durability.test',
      });
      const firstPort = await freePort();
      // The first process does not poll within the test: only its request makes an attempt.
      const first = start(env(firstPort, '60000'));
      await first.printed('Keystate listening');
      const firstUrl = `http://127.0.0.1:${firstPort}`;
      const call = await processClient(firstUrl, ADMIN_TOKEN, 'Durable');
      expect((await call('/cis/v1/users', { email: 'durable@example.com' })).status).toBe(201);

      smtp.setFailure('temporary-failure');
      const sent = await call('/cis/v1/auth/otp/send', { channel: 'email', identifier_type: 'email', identifier: 'durable@example.com' });
      expect(sent).toEqual({ status: 200, body: { message: 'OTP sent' } });
      first.child.kill('SIGKILL');
      await first.exited;
      smtp.setFailure(null);

      const secondPort = await freePort();
      const second = start(env(secondPort, '50'));
      await second.printed('Keystate listening');
      const mail = await smtp.nextMail(15_000);
      expect(mail.to).toContain('durable@example.com');
      const code = /\b(\d{6})\b/.exec(mail.text)?.[1] ?? '';
      const secondUrl = `http://127.0.0.1:${secondPort}`;
      const login = await call('/cis/v1/auth/otp/authenticate', { passcode: code, identifier_type: 'email', identifier: 'durable@example.com' }, secondUrl);
      expect(login.status, JSON.stringify(login.body)).toBe(200);
    } finally {
      await smtp.close();
    }
  });
});
