import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, originOf, type TestBrowser } from '../helpers/browser.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// The passkeys sample page (GET /dev/passkeys, issue 18 point 2) in headless Chromium against a
// real server: it loads under its CSP with the helper module, keeps the client secret in the tab's
// sessionStorage only, and signs a user in with an email code read from the dev outbox, showing the
// ID token's sub and amr. The passkey steps need the server's WebAuthn routes; their end-to-end
// test drives the same data-testid elements. A screenshot of the signed-in page goes to SHOTS.

const SHOTS = join(process.cwd(), 'test-results', 'passkeys-sample');

let db: TestDatabase;
let server: TestServer;
let client: TestClient;
let browser: TestBrowser;
let origin: string;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer({ databaseUrl: db.url, listen: true });
  client = await server.createApp({ name: 'Passkeys sample' });
  browser = await launchBrowser();
  // localhost, not 127.0.0.1: the page must be a secure context whose host can be an RP id.
  origin = server.url.replace('127.0.0.1', 'localhost');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await db?.drop();
});

const byTestId = (id: string) => browser.page.getByTestId(id);

describe('the passkeys sample page', () => {
  it('loads the helper, prefills the client id from the query, and keeps the secret in sessionStorage only', async () => {
    await browser.page.goto(`${origin}/dev/passkeys?client_id=${encodeURIComponent(client.clientId)}`);
    await expect.poll(() => byTestId('support').textContent()).toContain('supports passkeys');
    expect(await byTestId('client-id').inputValue()).toBe(client.clientId);
    await byTestId('client-secret').fill(client.clientSecret);
    const storage = await browser.page.evaluate('({ session: sessionStorage.getItem("client-secret"), local: localStorage.length, url: location.href })');
    expect(storage).toEqual({ session: client.clientSecret, local: 0, url: `${origin}/dev/passkeys?client_id=${encodeURIComponent(client.clientId)}` });
  });

  it('signs a new user in with an email code from the dev outbox, and shows the ID token sub and amr', async () => {
    const email = 'sample-page@example.com';
    await byTestId('email').fill(email);
    await byTestId('send-code').click();
    await expect.poll(() => byTestId('code').inputValue()).toMatch(/^[A-Za-z0-9-]{4,32}$/);
    await byTestId('sign-in').click();
    await expect.poll(() => byTestId('amr').textContent()).toBe('["eotp"]');
    const user = await client.call('GET', `/cis/v1/users/email/${encodeURIComponent(email)}`);
    expect(user.status).toBe(200);
    expect(await byTestId('sub').textContent()).toBe(user.body.result.user_id);
    expect(await byTestId('error').textContent()).toBe('');
    // The username field offers the signed-in address for the passkey registration.
    expect(await byTestId('username').inputValue()).toBe(email);
    expect(await byTestId('result').textContent()).toContain('/cis/v1/auth/otp/authenticate → 200');
    mkdirSync(SHOTS, { recursive: true });
    await browser.page.screenshot({ path: join(SHOTS, 'signed-in.png'), fullPage: true });
  });

  it('shows a failed call by its status and error_code', async () => {
    await byTestId('code').fill('000000');
    await byTestId('sign-in').click();
    await expect.poll(() => byTestId('error').textContent()).toMatch(/\/cis\/v1\/auth\/otp\/authenticate → 4\d\d/);
  });

  it('made no request off its own origin, and broke no CSP rule', () => {
    expect(browser.requests.map(originOf).filter((requested) => requested !== origin)).toEqual([]);
    // The refused code is the one failed request the page made on purpose.
    expect(browser.errors.filter((error) => !/status of 4\d\d/.test(error))).toEqual([]);
  });
});
