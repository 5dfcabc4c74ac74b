import { afterAll, beforeAll, expect } from 'vitest';
import { freshDatabase, type TestDatabase } from './db.js';
import { type SmtpCatcher, startSmtpCatcher } from './smtp-catcher.js';
import { startTestServer, type TestClient, type TestServer } from './test-server.js';
import { startTwilioStub, type TwilioStub } from './twilio-stub.js';

// The world of the one-time-passcode end-to-end tests (test/e2e/otp*.test.ts): a server whose SMS
// goes through the real twilio client to a Twilio-compatible stub on loopback (which checks Basic
// credentials) and whose email goes through nodemailer to a real SMTP server on loopback.
//
// The parts are exported as live bindings, set by the hooks useOtpFixture() registers, so the
// tests read `server`, `twilio`… as if the file had declared them. Vitest loads this module afresh
// for each test file, so each file gets its own database, server and stubs.

export const MINUTE = 60_000;
export const ACCOUNT = { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'twilio-test-token', from: '+15005550006' };

export let db: TestDatabase;
export let smtp: SmtpCatcher;
export let twilio: TwilioStub;
export let server: TestServer;
export let client: TestClient;
let counter = 0;

/** Starts the database, the stubs and the server before the file's tests; stops them after. */
/** `listen`: a real listening server, for the end-to-end flow of an endpoint (test/e2e); unset, requests go through inject(). */
export function useOtpFixture(options: { listen?: boolean } = {}): void {
  beforeAll(async () => {
    db = await freshDatabase();
    smtp = await startSmtpCatcher();
    twilio = await startTwilioStub(ACCOUNT);
    server = await startTestServer({ ...options, databaseUrl: db.url, smtpUrl: smtp.url, twilio: { url: twilio.url, ...ACCOUNT } });
    client = await server.createApp({ name: 'Bank' });
  });

  afterAll(async () => {
    await server?.close();
    await twilio?.close();
    await smtp?.close();
    await db?.drop();
  });
}

/** A new user of the Bank app with an email address and a phone number. */
export async function newUser(): Promise<{ id: string; email: string; phone: string }> {
  counter += 1;
  const email = `otp${counter}@example.com`;
  const phone = `+4479111234${String(counter).padStart(2, '0')}`;
  const created = await client.call('POST', '/cis/v1/users', { email, phone_number: phone });
  expect(created.status).toBe(201);
  return { id: created.body.result.user_id, email, phone };
}

export const send = (body: Record<string, unknown>) => client.call('POST', '/cis/v1/auth/otp/send', body);
export const authenticate = (body: Record<string, unknown>) => client.call('POST', '/cis/v1/auth/otp/authenticate', body);
/** The passcode in an SMS or email text. */
export const codeIn = (text: string): string => /\b(\d{4,8})\b/.exec(text)?.[1] ?? '';
