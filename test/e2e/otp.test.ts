import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-catcher.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';
import { startTwilioStub, type TwilioStub } from '../helpers/twilio-stub.js';

// One-time passcodes end to end: the real twilio client sends to a Twilio-compatible endpoint on
// loopback that checks Basic credentials; nodemailer sends to a real SMTP server on loopback.

const MINUTE = 60_000;
const ACCOUNT = { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'twilio-test-token', from: '+15005550006' };

let db: TestDatabase;
let smtp: SmtpCatcher;
let twilio: TwilioStub;
let server: TestServer;
let client: TestClient;
let counter = 0;

beforeAll(async () => {
  db = await freshDatabase();
  smtp = await startSmtpCatcher();
  twilio = await startTwilioStub(ACCOUNT);
  server = await startTestServer({ databaseUrl: db.url, smtpUrl: smtp.url, twilio: { url: twilio.url, ...ACCOUNT } });
  client = await server.createApp({ name: 'Bank' });
});

afterAll(async () => {
  await server?.close();
  await twilio?.close();
  await smtp?.close();
  await db?.drop();
});

async function newUser(): Promise<{ id: string; email: string; phone: string }> {
  counter += 1;
  const email = `otp${counter}@example.com`;
  const phone = `+4479111234${String(counter).padStart(2, '0')}`;
  const created = await client.call('POST', '/cis/v1/users', { email, phone_number: phone });
  expect(created.status).toBe(201);
  return { id: created.body.result.user_id, email, phone };
}

const send = (body: Record<string, unknown>) => client.call('POST', '/cis/v1/auth/otp/send', body);
const authenticate = (body: Record<string, unknown>) => client.call('POST', '/cis/v1/auth/otp/authenticate', body);
const codeIn = (text: string): string => /\b(\d{4,8})\b/.exec(text)?.[1] ?? '';

describe('one-time passcodes, end to end', () => {
  it('SMS: the real twilio client sends the code; the right code buys tokens with amr sms and verifies the phone', async () => {
    const user = await newUser();
    const sent = await send({ channel: 'sms', identifier_type: 'phone_number', identifier: user.phone });
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ message: 'OTP sent' });
    const sms = await twilio.nextMessage();
    expect(sms).toMatchObject({ accountSid: ACCOUNT.accountSid, to: user.phone, from: ACCOUNT.from });
    const code = codeIn(sms.body);
    expect(code).toMatch(/^\d{6}$/);
    expect(sms.body).toContain('Bank');

    const tokens = await authenticate({ passcode: code, identifier_type: 'phone_number', identifier: user.phone });
    expect(tokens.status).toBe(200);
    const jwks = createRemoteJWKSet(new URL(`${server.url}/cis/oidc/jwks`));
    const { payload } = await jwtVerify(tokens.body.id_token, jwks, { issuer: server.config.issuer, audience: client.clientId, currentDate: new Date(server.clock.now()) });
    expect(payload).toMatchObject({ sub: user.id, amr: ['sms'] });
    const after = (await client.call('GET', `/cis/v1/users/${user.id}`)).body.result;
    expect(after.status).toBe('Active');
    expect(after.phone_number.phone_number_verified).toBe(true);
    expect(after.email.email_verified).toBe(false);
    // Single use.
    expect((await authenticate({ passcode: code, identifier_type: 'phone_number', identifier: user.phone })).body.error_code).toBe('auth_invalid_credentials');
  });

  it('email: nodemailer sends the code over SMTP; amr eotp; email verified; any identifier type reaches the user', async () => {
    const user = await newUser();
    expect((await send({ channel: 'email', identifier_type: 'user_id', identifier: user.id })).status).toBe(200);
    const mail = await smtp.nextMail();
    expect(mail.to).toEqual([user.email]);
    const tokens = await authenticate({ passcode: codeIn(mail.text), identifier_type: 'user_id', identifier: user.id });
    expect(tokens.status).toBe(200);
    const after = (await client.call('GET', `/cis/v1/users/${user.id}`)).body.result;
    expect(after.email.email_verified).toBe(true);
  });

  it('direct: the code comes back in the response (amr otp), with approval_data echoed and carried into the ID token', async () => {
    const user = await newUser();
    const approval = { amount: 120, currency: 'EUR', 'payee.id': 'p-1' };
    const sent = await send({ channel: 'direct', identifier_type: 'email', identifier: user.email, approval_data: approval });
    expect(sent.status).toBe(200);
    expect(sent.body.approval_data).toEqual(approval);
    const tokens = await authenticate({ passcode: sent.body.code, identifier_type: 'email', identifier: user.email });
    expect(tokens.status).toBe(200);
    const jwks = createRemoteJWKSet(new URL(`${server.url}/cis/oidc/jwks`));
    const { payload } = await jwtVerify(tokens.body.id_token, jwks, { issuer: server.config.issuer, audience: client.clientId, currentDate: new Date(server.clock.now()) });
    expect(payload).toMatchObject({ amr: ['otp'], approval_data: approval });
  });

  it('custom targets, custom SMS text, code length from login preferences; custom targets verify nothing', async () => {
    const app = await server.createApp({ name: 'Shop', loginPreferences: { sms: { codeLength: 8 } } });
    const created = await app.call('POST', '/cis/v1/users', { email: 'custom@example.com', phone_number: '+447911123499' });
    const userId = created.body.result.user_id;
    const sent = await app.call('POST', '/cis/v1/auth/otp/send', {
      channel: 'sms',
      identifier_type: 'email',
      identifier: 'custom@example.com',
      custom_phone_number: '+44 7911 123498',
      custom_sms_input: { custom_message: 'Code {otp} for {app}', sender_id: 'ShopCo' },
    });
    expect(sent.status).toBe(200);
    const sms = await twilio.nextMessage();
    expect(sms.to).toBe('+447911123498');
    expect(sms.from).toBe('ShopCo');
    expect(sms.body).toMatch(/^Code \d{8} for Shop$/);
    expect((await app.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: codeIn(sms.body), identifier_type: 'email', identifier: 'custom@example.com' })).status).toBe(200);
    const after = (await app.call('GET', `/cis/v1/users/${userId}`)).body.result;
    expect(after.phone_number.phone_number_verified).toBe(false);

    const badTemplate = await app.call('POST', '/cis/v1/auth/otp/send', { channel: 'sms', identifier_type: 'email', identifier: 'custom@example.com', custom_sms_input: { custom_message: 'no placeholders' } });
    expect(badTemplate.status).toBe(400);
    expect(badTemplate.body.error_code).toBe('system_invalid_input');
  });

  it('a wrong code is auth_invalid_credentials; an expired code is auth_otp_passcode_expired', async () => {
    const user = await newUser();
    const { code } = (await send({ channel: 'direct', identifier_type: 'email', identifier: user.email, expires_in: 2 })).body;
    const wrong = await authenticate({ passcode: code === '000000' ? '000001' : '000000', identifier_type: 'email', identifier: user.email });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error_code).toBe('auth_invalid_credentials');
    server.clock.advance(2 * MINUTE);
    try {
      const expired = await authenticate({ passcode: code, identifier_type: 'email', identifier: user.email });
      expect(expired.status).toBe(400);
      expect(expired.body.error_code).toBe('auth_otp_passcode_expired');
    } finally {
      server.clock.advance(-2 * MINUTE);
    }
  });

  it('the code must be redeemed with the identifier it was sent for', async () => {
    const user = await newUser();
    const { code } = (await send({ channel: 'direct', identifier_type: 'email', identifier: user.email })).body;
    expect((await authenticate({ passcode: code, identifier_type: 'phone_number', identifier: user.phone })).status).toBe(400);
    expect((await authenticate({ passcode: code, identifier_type: 'email', identifier: user.email.toUpperCase() })).status).toBe(200);
  });

  it('a newer send replaces the earlier code', async () => {
    const user = await newUser();
    const first = (await send({ channel: 'direct', identifier_type: 'email', identifier: user.email })).body.code;
    const second = (await send({ channel: 'direct', identifier_type: 'email', identifier: user.email })).body.code;
    if (first !== second) expect((await authenticate({ passcode: first, identifier_type: 'email', identifier: user.email })).status).toBe(400);
    expect((await authenticate({ passcode: second, identifier_type: 'email', identifier: user.email })).status).toBe(200);
  });

  it('brute force: wrong codes until locked, then even the right code is refused until the lockout ends', async () => {
    const user = await newUser();
    const id = { identifier_type: 'email', identifier: user.email };
    const { code } = (await send({ channel: 'direct', ...id })).body;
    const wrongCode = code === '123456' ? '654321' : '123456';
    expect((await authenticate({ passcode: wrongCode, ...id })).body.error_code).toBe('auth_invalid_credentials');
    expect((await authenticate({ passcode: wrongCode, ...id })).body.error_code).toBe('auth_invalid_credentials');
    const third = await authenticate({ passcode: wrongCode, ...id });
    expect(third.status).toBe(403);
    expect(third.body.error_code).toBe('auth_locked');
    // The code is dead, and while the lockout lasts no new code is issued or delivered (issue 7).
    expect((await authenticate({ passcode: code, ...id })).status).toBe(403);
    const requestsBefore = twilio.requestCount;
    const refused = await send({ channel: 'sms', ...id });
    expect(refused.status).toBe(403);
    expect(refused.body.error_code).toBe('auth_locked');
    expect((await send({ channel: 'direct', ...id })).body).toEqual({ message: 'Too many failed attempts; try again later', error_code: 'auth_locked' });
    server.clock.advance(14 * MINUTE);
    try {
      expect((await send({ channel: 'direct', ...id })).body.error_code).toBe('auth_locked');
      expect((await authenticate({ passcode: code, ...id })).body.error_code).toBe('auth_locked');
      server.clock.advance(MINUTE);
      const fresh = (await send({ channel: 'direct', ...id })).body.code;
      expect((await authenticate({ passcode: fresh, ...id })).status).toBe(200);
      expect(twilio.requestCount).toBe(requestsBefore);
    } finally {
      server.clock.advance(-15 * MINUTE);
    }
  });

  it('resending does not buy new guesses: failures carry over to the new code', async () => {
    const user = await newUser();
    const id = { identifier_type: 'email', identifier: user.email };
    for (let i = 0; i < 2; i++) {
      const { code } = (await send({ channel: 'direct', ...id })).body;
      expect((await authenticate({ passcode: code === '111111' ? '222222' : '111111', ...id })).status).toBe(400);
    }
    const { code } = (await send({ channel: 'direct', ...id })).body;
    const locking = await authenticate({ passcode: code === '111111' ? '222222' : '111111', ...id });
    expect(locking.body.error_code).toBe('auth_locked');
  });

  it('a burst of concurrent guesses cannot compare more codes than allowed', async () => {
    const user = await newUser();
    const id = { identifier_type: 'email', identifier: user.email };
    const { code } = (await send({ channel: 'direct', ...id })).body;
    const guesses = Array.from({ length: 12 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'));
    const answers = await Promise.all([...guesses.map((passcode) => authenticate({ passcode, ...id })), authenticate({ passcode: code, ...id })]);
    const flow = await db.storage.db.flow.findFirstOrThrow({ where: { userId: user.id, kind: 'otp' }, orderBy: { createdAt: 'desc' } });
    expect((flow.context as { attempts: number }).attempts).toBeLessThanOrEqual(3);
    expect(answers.filter((answer) => answer.status === 200).length).toBeLessThanOrEqual(1);
    expect(answers.every((answer) => answer.status < 500)).toBe(true);
  });

  it('two simultaneous authenticates with the right code: exactly one 200', async () => {
    const user = await newUser();
    const id = { identifier_type: 'email', identifier: user.email };
    const { code } = (await send({ channel: 'direct', ...id })).body;
    const answers = await Promise.all([authenticate({ passcode: code, ...id }), authenticate({ passcode: code, ...id })]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400]);
  });

  it('with session_id, adds the passcode to the session: amr gains mfa', async () => {
    const user = await newUser();
    const emailCode = (await send({ channel: 'direct', identifier_type: 'email', identifier: user.email })).body.code;
    const first = await authenticate({ passcode: emailCode, identifier_type: 'email', identifier: user.email });
    expect((await send({ channel: 'sms', identifier_type: 'email', identifier: user.email })).status).toBe(200);
    const smsCode = codeIn((await twilio.nextMessage()).body);
    const second = await authenticate({ passcode: smsCode, identifier_type: 'email', identifier: user.email, session_id: first.body.session_id });
    expect(second.status).toBe(200);
    expect(second.body.session_id).toBe(first.body.session_id);
    const jwks = createRemoteJWKSet(new URL(`${server.url}/cis/oidc/jwks`));
    const { payload } = await jwtVerify(second.body.id_token, jwks, { issuer: server.config.issuer, audience: client.clientId, currentDate: new Date(server.clock.now()) });
    expect(payload.amr).toEqual(['otp', 'sms', 'mfa']);
  });

  it('generate_request_id binds authenticate to the send', async () => {
    const user = await newUser();
    const id = { identifier_type: 'email', identifier: user.email };
    const sent = (await send({ channel: 'direct', ...id, generate_request_id: true })).body;
    expect(typeof sent.request_id).toBe('string');
    const missing = await authenticate({ passcode: sent.code, ...id });
    expect(missing.body.error_code).toBe('system_invalid_input');
    expect((await authenticate({ passcode: sent.code, ...id, request_id: sent.request_id })).status).toBe(200);
  });

  it('answers the documented errors for unknown users, missing addresses and bad input', async () => {
    const unknown = await send({ channel: 'sms', identifier_type: 'email', identifier: 'nobody@example.com' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe('user_not_found');
    const noPhone = await client.call('POST', '/cis/v1/users', { email: 'nophone@example.com' });
    expect(noPhone.status).toBe(201);
    const missingPhone = await send({ channel: 'sms', identifier_type: 'email', identifier: 'nophone@example.com' });
    expect(missingPhone.status).toBe(404);
    expect(missingPhone.body.error_code).toBe('user_phone_number_missing');
    const badType = await send({ channel: 'sms', identifier_type: 'nickname', identifier: 'x' });
    expect(badType.status).toBe(400);
    expect(badType.body.error_code).toBe('system_invalid_input');
    const badChannel = await send({ channel: 'fax', identifier_type: 'email', identifier: 'x@example.com' });
    expect(badChannel.status).toBe(400);
    expect(badChannel.body.error_code).toBe('system_invalid_input');
    const tooMany = await send({ channel: 'direct', identifier_type: 'email', identifier: 'nophone@example.com', approval_data: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, i])) });
    expect(tooMany.body.error_code).toBe('system_invalid_input');
  });

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

  it('limits authenticate calls per identifier (429 with Retry-After)', async () => {
    const limited = await startTestServer({ databaseUrl: db.url, clock: server.clock, env: { RATE_LIMIT_AUTHENTICATE_MAX: '2' } });
    try {
      const app = await limited.createApp({ name: 'Limited' });
      await app.call('POST', '/cis/v1/users', { email: 'limited@example.com' });
      const call = () => app.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: '000000', identifier_type: 'email', identifier: 'limited@example.com' });
      await call();
      await call();
      const third = await call();
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toBeTruthy();
    } finally {
      await limited.close();
    }
  });

  it('limits sends per identifier and per app (429 with Retry-After)', async () => {
    const limited = await startTestServer({ databaseUrl: db.url, clock: server.clock, env: { RATE_LIMIT_SEND_MAX: '2', RATE_LIMIT_SEND_PER_APP_MAX: '3' } });
    try {
      const emails = ['a', 'b', 'c', 'd'].map((name) => `${name}@limits.example`);
      const sender = async (users = emails) => {
        const app = await limited.createApp({ name: 'Limited sends' });
        for (const email of users) await app.call('POST', '/cis/v1/users', { email });
        return (identifier: string) => app.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'email', identifier });
      };
      const oneIdentifier = await sender();
      expect((await oneIdentifier('a@limits.example')).status).toBe(200);
      expect((await oneIdentifier('a@limits.example')).status).toBe(200);
      const perIdentifier = await oneIdentifier('a@limits.example');
      expect(perIdentifier.status).toBe(429);
      expect(perIdentifier.headers.get('retry-after')).toBeTruthy();

      // Another app of the tenant, other users: the per-user limit counts a user across apps.
      const others = ['e', 'f', 'g', 'h'].map((name) => `${name}@limits.example`);
      const manyIdentifiers = await sender(others);
      for (const email of others.slice(0, 3)) expect((await manyIdentifiers(email)).status).toBe(200);
      const perApp = await manyIdentifiers('h@limits.example');
      expect(perApp.status).toBe(429);
      expect(perApp.body).toEqual({ message: 'Too many requests', error_code: 429 });
    } finally {
      await limited.close();
    }
  });
});
