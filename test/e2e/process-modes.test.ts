import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteFilePath } from '../../src/storage/migrate.js';
import { openStorage } from '../../src/storage/prisma.js';
import { testEngine } from '../helpers/db.js';
import { cleanUp, emptyDatabaseUrl, freePort, start } from '../helpers/process.js';
import { processClient } from '../helpers/process-client.js';

// Issue 7 §3 and §5, as an operator meets them: development mode is never an accident, production
// names every channel it cannot deliver on, and keys rotate from the command line.

afterEach(cleanUp);

const MASTER_KEY = Buffer.alloc(32, 5).toString('base64');
const ADMIN_TOKEN = 'an-admin-token-for-production';

describe('development mode is never an accident', () => {
  it('an unknown NODE_ENV stops the start with one line naming it', async () => {
    const server = start({ NODE_ENV: 'staging' });
    expect(await server.exited).not.toBe(0);
    expect(server.output()).toMatch(/Configuration error: NODE_ENV: expected one of development, production, test, got "staging"/);
  });

  it('development refuses to listen beyond loopback, and says how to run in production', async () => {
    const server = start({ HOST: '0.0.0.0' });
    expect(await server.exited).not.toBe(0);
    expect(server.output()).toContain('Configuration error: HOST');
    expect(server.output()).toContain('NODE_ENV=production');
    expect(server.output()).not.toContain('Development admin token');
  });

  it('production refuses to start without a key-encryption key', async () => {
    const server = start({ NODE_ENV: 'production', KEYSTATE_ADMIN_TOKEN: ADMIN_TOKEN });
    expect(await server.exited).not.toBe(0);
    expect(server.output()).toContain('Configuration error: KEYSTATE_MASTER_KEY');
  });

  it.runIf(testEngine() === 'sqlite')('development generates a master key beside the database, with a warning', async () => {
    const databaseUrl = await emptyDatabaseUrl();
    const server = start({ PORT: String(await freePort()), DATABASE_URL: databaseUrl });
    await server.printed('Keystate listening');
    expect(existsSync(join(dirname(sqliteFilePath(databaseUrl)), 'master.key'))).toBe(true);
    expect(server.output()).toContain('set KEYSTATE_MASTER_KEY in production');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});

describe('production without providers', () => {
  it('names each channel without a provider at start; a send on it answers the provider-configuration error and stores nothing', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const databaseUrl = await emptyDatabaseUrl();
    const server = start({ NODE_ENV: 'production', PORT: String(port), DATABASE_URL: databaseUrl, KEYSTATE_MASTER_KEY: MASTER_KEY, KEYSTATE_ADMIN_TOKEN: ADMIN_TOKEN });
    await server.printed('Server listening at');
    expect(server.output()).toContain('no provider for email (SMTP_URL is not set)');
    expect(server.output()).toContain('no provider for sms (TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN are not set)');
    if (testEngine() === 'postgresql') expect(server.output()).toContain('rate limits are counted per instance');
    else expect(server.output()).not.toContain('rate limits are counted per instance');

    const call = await processClient(url, ADMIN_TOKEN, 'Prod');
    const user = await call('/cis/v1/users', { email: 'prod@example.com', phone_number: '+14155550123' });
    expect(user.status, JSON.stringify(user.body)).toBe(201);
    for (const channel of ['email', 'sms']) {
      const sent = await call('/cis/v1/auth/otp/send', { channel, identifier_type: 'email', identifier: 'prod@example.com' });
      expect(sent).toEqual({ status: 400, body: { message: 'The message provider is not configured correctly', error_code: 'external_provider_configuration_error' } });
    }
    const link = await call('/cis/v1/auth/link/email/send', { email: 'prod@example.com', redirect_uri: 'https://app.example/verify' });
    expect(link).toEqual({ status: 400, body: { message: 'The email provider is not configured', error_code: 'external_provider_configuration_error' } });
    // Direct codes need no provider.
    expect((await call('/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'email', identifier: 'prod@example.com' })).status).toBe(200);
    // No dev outbox in production, and nothing was stored in place of the messages.
    expect((await fetch(`${url}/dev/outbox`)).status).toBe(404);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).not.toMatch(/Development admin token|Dev App created/);
    const storage = await openStorage(databaseUrl);
    try {
      expect(await storage.db.delivery.count()).toBe(0);
      // Only the direct code is pending; the two undelivered ones ended where they failed.
      expect(await storage.db.flow.count({ where: { stateValue: 'pending.awaitingCode' } })).toBe(1);
      expect(await storage.db.flow.count({ where: { kind: 'otp', stateValue: 'deliveryFailed.undelivered' } })).toBe(2);
    } finally {
      await storage.close();
    }
  });
});

describe('key rotation from the command line', () => {
  it('`keys rotate` makes new signing and HMAC keys and prints what it did', async () => {
    const databaseUrl = await emptyDatabaseUrl();
    const env = { DATABASE_URL: databaseUrl, KEYSTATE_MASTER_KEY: MASTER_KEY };
    const rotation = start(env, ['keys', 'rotate']);
    expect(await rotation.exited).toBe(0);
    const report = JSON.parse(rotation.output().slice(rotation.output().indexOf('{'))) as { signing: { kid: string; retiring: string[] }; hmac: { key_id: string } };
    expect(report.signing.kid).toMatch(/^[\w-]{43}$/);
    expect(report.signing.retiring).toHaveLength(1);
    expect(report.hmac.key_id).toBeTruthy();
    const onlyHmac = start(env, ['keys', 'rotate', 'hmac']);
    expect(await onlyHmac.exited).toBe(0);
    expect(onlyHmac.output()).not.toContain('"signing"');
    const wrong = start(env, ['keys', 'rotate', 'everything']);
    expect(await wrong.exited).not.toBe(0);
    expect(wrong.output()).toContain('usage: keys rotate');
  });
});
