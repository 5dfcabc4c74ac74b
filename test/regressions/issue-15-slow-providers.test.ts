import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { ACCOUNT, codeIn } from '../helpers/otp-fixture.js';
import { type SilentSmtp, startSilentSmtp } from '../helpers/silent-smtp.js';
import { type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-catcher.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';
import { startTwilioStub, type TwilioStub } from '../helpers/twilio-stub.js';

// Issue 15: a dead provider held every send for the sender's whole timeout (~10 s): the first
// attempt ran after the commit, inside the request. Now the request waits for it at most
// DELIVERY_FIRST_ATTEMPT_MS (50 ms here) and answers what the flow's state declares (`sending`: the
// message is kept); the attempt goes on in the background, under the lease the send took, and the
// delivery worker hands its outcome to the flow. Providers that fail for real, on loopback: a
// Twilio-compatible API that holds the request unanswered, an SMTP server that accepts TCP and
// never greets. No assertion reads a clock: the send's answer comes while the provider still has
// not answered, which a send that waits for the provider cannot do.

let db: TestDatabase;
let twilio: TwilioStub;
let smtp: SmtpCatcher;
let silent: SilentSmtp;
let server: TestServer;
let client: TestClient;
let counter = 0;

beforeAll(async () => {
  db = await freshDatabase();
  twilio = await startTwilioStub(ACCOUNT);
  smtp = await startSmtpCatcher();
  silent = await startSilentSmtp();
  server = await startTestServer({
    databaseUrl: db.url,
    smtpUrl: silent.url(smtp),
    twilio: { url: twilio.url, ...ACCOUNT },
    env: { DELIVERY_FIRST_ATTEMPT_MS: '50', DELIVERY_RETRY_DELAYS_MS: '0' },
  });
  client = await server.createApp({ name: 'Patient', redirectUris: ['https://app.example/verify'] });
});

afterAll(async () => {
  await server?.close();
  await silent?.close();
  await smtp?.close();
  await twilio?.close();
  await db?.drop();
});

async function newUser(): Promise<{ id: string; email: string }> {
  counter += 1;
  const email = `patient${counter}@example.com`;
  const created = await client.call('POST', '/cis/v1/users', { email, phone_number: `+4479112233${String(counter).padStart(2, '0')}` });
  expect(created.status).toBe(201);
  return { id: created.body.result.user_id, email };
}

const flowOf = (userId: string) => db.storage.db.flow.findFirstOrThrow({ where: { userId }, orderBy: { createdAt: 'desc' } });
const logOf = async (userId: string) => ((await flowOf(userId)).events as { type: string; state: string }[]).map((event) => [event.type, event.state]);
const keptMessages = () => db.storage.db.deliveryJob.count();

describe('a provider that does not answer does not hold the send', () => {
  it('Twilio holding the request: the send answers 200 first; the late answer is handed to the flow, and the message is not sent again', async () => {
    const user = await newUser();
    twilio.setFailure('hold');
    const sent = await client.call('POST', '/cis/v1/auth/otp/send', { channel: 'sms', identifier_type: 'email', identifier: user.email });
    expect(sent).toMatchObject({ status: 200, body: { message: 'OTP sent' } });
    // The request reached the provider, which has not answered it: the flow only knows it is sending.
    await twilio.nextHeld();
    expect(twilio.heldCount).toBe(1);
    expect(await logOf(user.id)).toEqual([['xstate.init', 'sending']]);
    expect(await keptMessages()).toBe(1);

    twilio.release();
    await server.app.deliveries.settled();
    expect(await server.app.deliveries.runDue()).toBe(1);
    expect(await logOf(user.id)).toEqual([
      ['xstate.init', 'sending'],
      ['challenge.delivered', 'pending.awaitingCode'],
    ]);
    expect(await keptMessages()).toBe(0);
    // Past the lease the send took, nothing is left to send again.
    server.clock.advance(60_000);
    expect(await server.app.deliveries.runDue()).toBe(0);
    expect(twilio.messages).toHaveLength(1);
    const code = codeIn((await twilio.nextMessage()).body);
    expect((await client.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: code, identifier_type: 'email', identifier: user.email })).status).toBe(200);
  });

  it('SMTP accepting connections and never greeting: the magic-link send answers 200; the worker retries once it is back', async () => {
    const user = await newUser();
    const sent = await client.call('POST', '/cis/v1/auth/link/email/send', { email: user.email, redirect_uri: 'https://app.example/verify' });
    expect(sent).toMatchObject({ status: 200, body: { message: 'Email sent successfully' } });
    // The attempt is connected and still waits for the greeting that never comes.
    await silent.nextConnection();
    expect(silent.silentCount).toBe(1);
    expect(await logOf(user.id)).toEqual([['xstate.init', 'issuing']]);

    // The server dies under its client (the attempt fails as an outage), then comes back.
    silent.drop();
    silent.forwardTo(Number(new URL(smtp.url).port));
    await server.app.deliveries.settled();
    // The late outcome is handed to the flow, which schedules a retry (due at once here); the
    // worker makes it.
    await server.app.deliveries.runDue();
    expect((await logOf(user.id)).map(([type]) => type)).toEqual(['xstate.init', 'challenge.undeliverable', 'delivery.due', 'challenge.delivered']);
    expect((await flowOf(user.id)).stateValue).toBe('awaitingCode.waiting');
    expect((await smtp.nextMail()).to).toContain(user.email);
    expect(await keptMessages()).toBe(0);
  });
});

describe('DELIVERY_FIRST_ATTEMPT_MS=0', () => {
  let eager: TestServer;
  beforeAll(async () => {
    eager = await startTestServer({ databaseUrl: db.url, smtpUrl: smtp.url, env: { DELIVERY_FIRST_ATTEMPT_MS: '0' } });
  });
  afterAll(() => eager?.close());

  it('a send never waits, even for a provider that answers at once; the worker records the outcome', async () => {
    const app = await eager.createApp({ name: 'Eager' });
    const userId = (await app.call('POST', '/cis/v1/users', { email: 'eager@example.com' })).body.result.user_id as string;
    expect((await app.call('POST', '/cis/v1/auth/otp/send', { channel: 'email', identifier_type: 'email', identifier: 'eager@example.com' })).status).toBe(200);
    expect(await logOf(userId)).toEqual([['xstate.init', 'sending']]);
    await eager.app.deliveries.settled();
    expect(await eager.app.deliveries.runDue()).toBe(1);
    expect(await logOf(userId)).toEqual([
      ['xstate.init', 'sending'],
      ['challenge.delivered', 'pending.awaitingCode'],
    ]);
    expect((await smtp.nextMail()).to).toContain('eager@example.com');
  });

  it('a stopping server hands over the outcomes it holds (review finding): drain() waits for the attempt, then records it', async () => {
    const app = await eager.createApp({ name: 'Stopping' });
    const userId = (await app.call('POST', '/cis/v1/users', { email: 'stopping@example.com' })).body.result.user_id as string;
    expect((await app.call('POST', '/cis/v1/auth/otp/send', { channel: 'email', identifier_type: 'email', identifier: 'stopping@example.com' })).status).toBe(200);
    await eager.app.deliveries.drain();
    expect(await logOf(userId)).toEqual([
      ['xstate.init', 'sending'],
      ['challenge.delivered', 'pending.awaitingCode'],
    ]);
    expect((await smtp.nextMail()).to).toContain('stopping@example.com');
  });
});
