import { afterAll, beforeAll, expect } from 'vitest';
import { freshDatabase, type TestDatabase } from './db.js';
import { type SmtpCatcher, startSmtpCatcher } from './smtp-catcher.js';
import { startTestServer, type TestClient, type TestServer } from './test-server.js';

// The world of the magic-link end-to-end tests (test/e2e/magic-link*.test.ts): a real server
// (listening for the end-to-end flow, through inject() otherwise) and database, nodemailer speaking SMTP to a loopback server, and an app "Shop" whose
// links redirect to REDIRECT. Links are followed the way a mail client would.
//
// The parts are exported as live bindings, set by the hooks useMagicLinkFixture() registers, so
// the tests read `server`, `smtp`… as if the file had declared them. Vitest loads this module
// afresh for each test file, so each file gets its own database, server and SMTP catcher.

export const REDIRECT = 'https://app.example/verify';
export const MINUTE = 60_000;

export let db: TestDatabase;
export let smtp: SmtpCatcher;
export let server: TestServer;
export let client: TestClient;
let counter = 0;

/** Starts the database, the SMTP catcher and the server before the file's tests; stops them after. */
/** `listen`: a real listening server, for the end-to-end flow of an endpoint (test/e2e); unset, requests go through inject(). */
export function useMagicLinkFixture(options: { listen?: boolean } = {}): void {
  beforeAll(async () => {
    db = await freshDatabase();
    smtp = await startSmtpCatcher();
    server = await startTestServer({ ...options, databaseUrl: db.url, smtpUrl: smtp.url });
    client = await server.createApp({ name: 'Shop', redirectUris: [REDIRECT], resources: ['https://api.shop.example'] });
  });

  afterAll(async () => {
    await server?.close();
    await smtp?.close();
    await db?.drop();
  });
}

export async function newUser(overrides: Record<string, unknown> = {}): Promise<{ id: string; email: string }> {
  const email = `user${++counter}@example.com`;
  const response = await client.call('POST', '/cis/v1/users', { email, ...overrides });
  expect(response.status).toBe(201);
  return { id: response.body.result.user_id, email };
}

export function linkIn(text: string): string {
  const match = /(http:\/\/127\.0\.0\.1:\d+\/cis\/v1\/auth\/link\/email\/redirect\?token=[A-Za-z0-9_%-]+)/.exec(text);
  if (!match?.[1]) throw new Error(`no link in mail: ${text}`);
  return match[1];
}

/** Sends a link by email, reads the mail, follows the link: returns the code the app receives. */
export async function codeByEmail(email: string, extra: Record<string, unknown> = {}): Promise<{ code: string; location: URL }> {
  const sent = await client.call('POST', '/cis/v1/auth/link/email/send', { identifier: email, identifier_type: 'email', redirect_uri: REDIRECT, ...extra });
  expect(sent.status, JSON.stringify(sent.body)).toBe(200);
  const mail = await smtp.nextMail();
  expect(mail.to).toEqual([email]);
  const followed = await fetch(linkIn(mail.text), { redirect: 'manual' });
  expect(followed.status).toBe(302);
  const location = new URL(followed.headers.get('location') ?? '');
  return { code: location.searchParams.get('code') ?? '', location };
}

export const authenticate = (body: Record<string, unknown>) => client.call('POST', '/cis/v1/auth/link/email/authenticate', body);
