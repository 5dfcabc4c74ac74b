import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createSenders } from '../../src/delivery/senders.js';
import type { Outbox } from '../../src/delivery/outbox.js';
import { openRateLimiter } from '../../src/limits/open-limiter.js';

// A server on its embedded defaults (dev outbox, counters in memory) does not load the clients of
// providers it was not given: Twilio's SDK, nodemailer's transport and ioredis cost tens of MB of
// memory each (issue 10). Configured, each is loaded. Vitest runs each file in a process of its own,
// so the module cache here holds only what this file loaded.

const cache = createRequire(import.meta.url).cache;
const PROVIDER_CLIENTS = [/node_modules\/twilio\//, /node_modules\/nodemailer\/lib\/nodemailer\.js$/, /node_modules\/ioredis\//];
const loadedClients = () => PROVIDER_CLIENTS.filter((client) => Object.keys(cache).some((path) => client.test(path))).map(String);

const outbox: Outbox = { store: async () => {}, list: async () => [] };
const clock = { now: () => 0 };

describe('provider clients are loaded only when configured', () => {
  it('the embedded defaults load none; SMTP and Twilio load theirs', async () => {
    const senders = await createSenders({ nodeEnv: 'development', smtpUrl: null, emailFrom: 'Keystate <no-reply@localhost>', twilio: null }, outbox);
    await openRateLimiter({ redisUrl: null }, clock);
    expect(senders.email.kind).toBe('outbox');
    expect(senders.sms.kind).toBe('outbox');
    expect(loadedClients()).toEqual([]);

    const configured = await createSenders(
      { nodeEnv: 'production', smtpUrl: 'smtp://127.0.0.1:9', emailFrom: 'Keystate <no-reply@localhost>', twilio: { accountSid: 'AC123', authToken: 'token', from: '+15005550006', apiBaseUrl: null } },
      outbox,
    );
    expect([configured.email.kind, configured.sms.kind]).toEqual(['smtp', 'twilio']);
    expect(loadedClients()).toEqual(PROVIDER_CLIENTS.slice(0, 2).map(String));
    await Promise.all([senders.close(), configured.close()]);
  });
});
