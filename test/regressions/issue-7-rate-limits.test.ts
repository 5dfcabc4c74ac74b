import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// Issue 7 §1: rate limits key on what they protect. The send and authenticate limits count the
// user, whichever identifier (in whichever spelling) or user_id names them; unknown identifiers
// count in their normalised form; magic-link sends have a per-app cap; windows follow the
// injected clock.

const MINUTE = 60_000;
let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer({
    databaseUrl: db.url,
    env: { RATE_LIMIT_SEND_MAX: '5', RATE_LIMIT_AUTHENTICATE_MAX: '5', RATE_LIMIT_SEND_PER_APP_MAX: '1000' },
  });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

let counter = 0;
async function bomb(client: TestClient): Promise<{ id: string; phone: string; email: string }> {
  counter += 1;
  const phone = `+1415555${String(200 + counter).padStart(4, '0')}`;
  const email = `bomb${counter}@example.com`;
  const created = await client.call('POST', '/cis/v1/users', { email, phone_number: phone });
  expect(created.status).toBe(201);
  return { id: created.body.result.user_id, phone, email };
}

/** Five spellings of one user: national-format phone, E.164 phone, padded email, upper-case email, user_id. */
const spellings = (user: { id: string; phone: string; email: string }) => [
  { identifier_type: 'phone_number', identifier: `+1 (${user.phone.slice(2, 5)}) ${user.phone.slice(5, 8)}-${user.phone.slice(8)}` },
  { identifier_type: 'phone_number', identifier: user.phone },
  { identifier_type: 'email', identifier: ` ${user.email}` },
  { identifier_type: 'email', identifier: user.email.toUpperCase() },
  { identifier_type: 'user_id', identifier: user.id },
];

describe('issue 7: rate limits key on the user', () => {
  it('OTP sends: every spelling of one user and their user_id share one counter', async () => {
    const client = await server.createApp({ name: 'Bomb OTP' });
    const user = await bomb(client);
    for (const id of spellings(user)) expect((await client.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', ...id })).status, JSON.stringify(id)).toBe(200);
    for (const id of spellings(user)) {
      const refused = await client.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', ...id });
      expect(refused.status, JSON.stringify(id)).toBe(429);
      expect(refused.body).toEqual({ message: 'Too many requests', error_code: 429 });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // Another user of the same app is not affected.
    expect((await client.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'user_id', identifier: (await bomb(client)).id })).status).toBe(200);
  });

  it('magic-link sends: every spelling of one user shares one counter', async () => {
    const client = await server.createApp({ name: 'Bomb link' });
    const user = await bomb(client);
    const send = (id: object) => client.call('POST', '/cis/v1/auth/link/email/send', { ...id, redirect_uri: 'https://app.example/verify', channel: 'direct' });
    for (const id of spellings(user)) expect((await send(id)).status, JSON.stringify(id)).toBe(200);
    expect((await send({ email: user.email.toUpperCase() })).status).toBe(429);
    expect((await send(spellings(user)[0] ?? {})).status).toBe(429);
  });

  it('OTP authenticate: every spelling of one user shares one counter', async () => {
    const client = await server.createApp({ name: 'Bomb authenticate' });
    const user = await bomb(client);
    const guess = (id: object) => client.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: '000000', ...id });
    for (const id of spellings(user)) expect((await guess(id)).status, JSON.stringify(id)).toBe(400);
    for (const id of spellings(user)) expect((await guess(id)).status, JSON.stringify(id)).toBe(429);
  });

  it('unknown identifiers count in their normalised form', async () => {
    const client = await server.createApp({ name: 'Unknown identifiers' });
    const forms = ['+1 (415) 555-9999', '+14155559999', '+1 415 555 9999', '+1-415-555-9999', '+1.415.555.9999'];
    for (const identifier of forms) expect((await client.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'phone_number', identifier })).status).toBe(404);
    expect((await client.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'phone_number', identifier: '+14155559999' })).status).toBe(429);
  });

  it('the counter window follows the injected clock', async () => {
    const client = await server.createApp({ name: 'Window' });
    const user = await bomb(client);
    const send = () => client.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'user_id', identifier: user.id });
    for (let i = 0; i < 5; i++) expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(429);
    server.clock.advance(MINUTE);
    expect((await send()).status).toBe(200);
  });
});

describe('issue 7: per-app caps', () => {
  it('magic-link sends have a per-app cap like OTP sends, counted separately', async () => {
    const capped = await startTestServer({ databaseUrl: db.url, clock: server.clock, env: { RATE_LIMIT_SEND_PER_APP_MAX: '3' } });
    try {
      const client = await capped.createApp({ name: 'Capped' });
      const users = [await bomb(client), await bomb(client), await bomb(client), await bomb(client)];
      const link = (email: string) => client.call('POST', '/cis/v1/auth/link/email/send', { email, redirect_uri: 'https://app.example/verify', channel: 'direct' });
      for (const user of users.slice(0, 3)) expect((await link(user.email)).status).toBe(200);
      const refused = await link(users[3]?.email ?? '');
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual({ message: 'Too many requests', error_code: 429 });
      // Passcodes have their own per-app budget.
      expect((await client.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'email', identifier: users[3]?.email })).status).toBe(200);
    } finally {
      await capped.close();
    }
  });
});

describe('issue 7: no eviction bypass', () => {
  it("filling the limiter with thousands of other keys never resets a victim's counter", async () => {
    const limited = await startTestServer({ databaseUrl: db.url, clock: server.clock, env: { RATE_LIMIT_CLIENT_TOKEN_MAX: '2', RATE_LIMIT_CLIENT_TOKEN_WINDOW_SECONDS: '3600' } });
    try {
      const victim = await limited.createApp({ name: 'Victim' });
      const token = (clientId: string, secret: string) =>
        fetch(`${limited.url}/oidc/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }),
        }).then(async (response) => ({ status: response.status, body: await response.text() }));
      expect((await token(victim.clientId, victim.clientSecret)).status).toBe(200);
      expect((await token(victim.clientId, victim.clientSecret)).status).toBe(200);
      expect((await token(victim.clientId, victim.clientSecret)).status).toBe(429);
      // @fastify/rate-limit's default store is an LRU of 5,000 keys: 6,000 other clients evicted
      // the victim's counter there. Here they only add counters of their own.
      const others = Array.from({ length: 6000 }, (_, i) => `attacker-${i}`);
      for (let i = 0; i < others.length; i += 100) {
        const statuses = await Promise.all(others.slice(i, i + 100).map((clientId) => token(clientId, 'wrong').then((answer) => answer.status)));
        expect(new Set(statuses)).toEqual(new Set([400]));
      }
      expect((await token(victim.clientId, victim.clientSecret)).status).toBe(429);
    } finally {
      await limited.close();
    }
    // 6,000 refused logins, each paying for a comparison: a guard against a hang, not a bound on
    // speed (issue 16 §5); a busy 2-core machine took over a minute.
  }, 300_000);
});
