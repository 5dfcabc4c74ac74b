import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// Whatever a caller sends, the answer is a documented 4xx in the documented shape (keystate-server.md
// §5 item 1): never a 500, never a stack trace, and a refused request leaves nothing behind.

const SEND = '/cis/v1/auth/link/email/send';
const AUTHENTICATE = '/cis/v1/auth/link/email/authenticate';
const REDIRECT = 'https://app.example/verify';

let db: TestDatabase;
let server: TestServer;
let client: TestClient;
let clientToken: string;
let userEmail: string;

beforeAll(async () => {
  db = await freshDatabase();
  // This file sends to one user many times; the per-identifier send limit is not what it tests.
  server = await startTestServer({ databaseUrl: db.url, env: { RATE_LIMIT_SEND_MAX: '1000' } });
  client = await server.createApp({ name: 'Shop', redirectUris: [REDIRECT] });
  clientToken = await client.token();
  userEmail = 'someone@example.com';
  expect((await client.call('POST', '/cis/v1/users', { email: userEmail })).status).toBe(201);
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

type Answer = { status: number; body: any; text: string; headers: Headers };

/** Every response of this file goes through here: none may be a 500 or carry a stack trace. */
async function raw(path: string, init: RequestInit & { headers?: Record<string, string> } = {}, bearer: string | null = clientToken): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    ...init,
    headers: { ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }), ...init.headers },
  });
  const text = await response.text();
  expect(response.status, `${path}: ${text}`).not.toBe(500);
  expect(response.status).toBeLessThan(500);
  expect(text).not.toMatch(/stack/i);
  expect(text).not.toMatch(/\bat \S+ \(|\bat (file|node):|\.(ts|js):\d+:\d+/);
  let body: unknown = null;
  if (text !== '') {
    expect(response.headers.get('content-type') ?? '').toContain('application/json');
    body = JSON.parse(text);
  }
  return { status: response.status, body, text, headers: response.headers };
}

const json = (path: string, body: unknown, bearer: string | null = clientToken) => raw(path, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, bearer);

function expectValidation(answer: Answer, ...mentions: string[]): void {
  expect(answer.status).toBe(400);
  expect(answer.body).toMatchObject({ message: expect.any(Array), error_code: 400 });
  expect(answer.body.message.length).toBeGreaterThan(0);
  for (const message of answer.body.message) expect(typeof message).toBe('string');
  for (const mention of mentions) expect(answer.body.message.join(' ')).toContain(mention);
}

const validSend = { identifier: 'someone@example.com', identifier_type: 'email', redirect_uri: REDIRECT };

describe('malformed and ill-typed bodies', () => {
  it('malformed JSON is 400 { message: [..], error_code: 400 }', async () => {
    for (const path of [SEND, AUTHENTICATE]) {
      for (const body of ['{"identifier": ', '{identifier: 1}', 'null x', '[1,2', '"unterminated']) {
        expectValidation(await raw(path, { headers: { 'content-type': 'application/json' }, body }));
      }
    }
  });

  it('an empty JSON body is 400', async () => {
    for (const path of [SEND, AUTHENTICATE]) {
      const answer = await raw(path, { headers: { 'content-type': 'application/json' }, body: '' });
      expect(answer.status).toBe(400);
      expect(answer.body.error_code).toBe(400);
    }
  });

  it('a JSON value that is not an object is 400', async () => {
    for (const path of [SEND, AUTHENTICATE]) {
      for (const body of [null, 5, 'text', [validSend], true]) expectValidation(await json(path, body));
    }
  });

  it('wrong types are 400 with a message list naming the field', async () => {
    expectValidation(await json(SEND, { ...validSend, redirect_uri: 5 }), 'redirect_uri');
    expectValidation(await json(SEND, { ...validSend, generate_request_id: 'yes' }), 'generate_request_id');
    expectValidation(await json(SEND, { ...validSend, email_expiration: '5' }), 'email_expiration');
    expectValidation(await json(SEND, { ...validSend, email_expiration: 1.5 }), 'email_expiration');
    expectValidation(await json(SEND, { ...validSend, channel: 'sms' }), 'channel');
    expectValidation(await json(SEND, { ...validSend, identifier: ['someone@example.com'] }), 'identifier');
    expectValidation(await json(SEND, { ...validSend, email_content: 'hello' }), 'email_content');
    expectValidation(await json(SEND, { ...validSend, client_attributes: { user_agent: 7 } }), 'user_agent');
    expectValidation(await json(AUTHENTICATE, { code: 12345 }), 'code');
    expectValidation(await json(AUTHENTICATE, { code: 'abc', session_id: false }), 'session_id');
    expectValidation(await json(AUTHENTICATE, { code: 'abc', claims: { id_token: 'all' } }), 'id_token');
  });

  it('several problems are reported together', async () => {
    const answer = await json(SEND, { ...validSend, redirect_uri: 5, generate_request_id: 'yes' });
    expectValidation(answer, 'redirect_uri', 'generate_request_id');
    expect(answer.body.message.length).toBeGreaterThanOrEqual(2);
  });

  it('missing required fields are 400', async () => {
    expectValidation(await json(SEND, { identifier: 'someone@example.com', identifier_type: 'email' }), 'redirect_uri');
    expectValidation(await json(SEND, { redirect_uri: REDIRECT }));
    expectValidation(await json(SEND, { identifier: 'someone@example.com', redirect_uri: REDIRECT }));
    expectValidation(await json(SEND, { identifier_type: 'email', redirect_uri: REDIRECT }));
    expectValidation(await json(SEND, {}));
    expectValidation(await json(AUTHENTICATE, {}), 'code');
    expectValidation(await json(AUTHENTICATE, { session_id: 'abc' }), 'code');
    expectValidation(await json(AUTHENTICATE, { code: '' }), 'code');
  });

  it('unknown fields are 400 naming the field', async () => {
    expectValidation(await json(SEND, { ...validSend, create_new_user: true }), 'create_new_user');
    expectValidation(await json(SEND, { ...validSend, email_content: { subject: 'Hi', evil: 'x' } }), 'evil');
    expectValidation(await json(AUTHENTICATE, { code: 'abc', tenant_id: 'other' }), 'tenant_id');
    expectValidation(await json(AUTHENTICATE, { code: 'abc', client_attributes: { ip_address: '1.2.3.4', mac: 'x' } }), 'mac');
  });

  it('an identifier_type other than the four built-in ones is 400 system_invalid_input', async () => {
    for (const identifierType of ['passport', 'EMAIL', 'custom_id']) {
      const answer = await json(SEND, { ...validSend, identifier_type: identifierType });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ message: expect.anything(), error_code: 'system_invalid_input' });
    }
  });

  it('identifier and the legacy email together are 400', async () => {
    expectValidation(await json(SEND, { ...validSend, email: 'someone@example.com' }));
  });

  it('an oversized body is 413', async () => {
    const limit = server.config.bodyLimitBytes;
    expect(limit).toBe(64 * 1024);
    for (const path of [SEND, AUTHENTICATE]) {
      const answer = await json(path, { ...validSend, state: 'x'.repeat(limit + 1) });
      expect(answer.status).toBe(413);
      expect(answer.body).toEqual({ message: expect.any(String), error_code: 413 });
    }
  });

  it('a content type other than JSON is 415', async () => {
    for (const path of [SEND, AUTHENTICATE]) {
      for (const contentType of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const answer = await raw(path, { headers: { 'content-type': contentType }, body: JSON.stringify(validSend) });
        expect(answer.status, contentType).toBe(415);
        expect(answer.body).toEqual({ message: expect.any(String), error_code: 415 });
      }
    }
  });
});

describe('the client access token', () => {
  it('no bearer is 401 Invalid token, before the body is even looked at', async () => {
    for (const path of [SEND, AUTHENTICATE]) {
      const missing = await json(path, validSend, null);
      expect(missing.status).toBe(401);
      expect(missing.body).toEqual({ message: 'Invalid token', error_code: 401 });
      const malformedToo = await raw(path, { headers: { 'content-type': 'application/json' }, body: '{oops' }, null);
      expect(malformedToo.status).toBe(401);
    }
  });

  it('a garbage bearer, another scheme or a tampered token is 401 Invalid token', async () => {
    const [header, payload, signature] = clientToken.split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), app_id: 'other' })).toString('base64url')}.${signature}`;
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'client+jwt' })).toString('base64url')}.${payload}.`;
    for (const path of [SEND, AUTHENTICATE]) {
      for (const bearer of ['garbage', 'a.b.c', tampered, unsigned, `${clientToken}x`, '']) {
        const answer = await json(path, validSend, bearer);
        expect(answer.status, bearer).toBe(401);
        expect(answer.body).toEqual({ message: 'Invalid token', error_code: 401 });
      }
      const basic = await raw(path, { headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}` }, body: JSON.stringify(validSend) }, null);
      expect(basic.status).toBe(401);
    }
  });

  it('a user access token is not a client token: 401', async () => {
    const sent = await json(SEND, { ...validSend, channel: 'direct' });
    expect(sent.status).toBe(200);
    const followed = await fetch(sent.body.link, { redirect: 'manual' });
    expect(followed.status).toBe(302);
    const code = new URL(followed.headers.get('location') ?? '').searchParams.get('code');
    const tokens = await json(AUTHENTICATE, { code });
    expect(tokens.status).toBe(200);
    for (const userToken of [tokens.body.access_token, tokens.body.id_token]) {
      for (const path of [SEND, AUTHENTICATE]) {
        const answer = await json(path, validSend, userToken);
        expect(answer.status).toBe(401);
        expect(answer.body).toEqual({ message: 'Invalid token', error_code: 401 });
      }
      const lookup = await raw(`/cis/v1/users/email/${encodeURIComponent(userEmail)}`, { method: 'GET' }, userToken);
      expect(lookup.status).toBe(401);
    }
  });
});

describe('routes', () => {
  it('an unknown route is 404 JSON', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['POST', '/cis/v1/auth/link/sms/send'],
      ['GET', SEND],
      ['DELETE', '/cis/v1/users'],
    ] as const) {
      const answer = await raw(path, { method, ...(method === 'GET' ? {} : { headers: { 'content-type': 'application/json' }, body: '{}' }) });
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body).toEqual({ message: 'Not found', error_code: 404 });
    }
  });
});

describe('a refused request leaves nothing behind', () => {
  it('refused sends create no flow, code or outbox message', async () => {
    const counts = async () => ({
      flows: await db.storage.db.flow.count(),
      codes: await db.storage.db.flow.count({ where: { secretHash: { not: null } } }),
      deliveries: await db.storage.db.delivery.count(),
    });
    const before = await counts();
    const refusals: Array<[unknown, number]> = [
      [{ ...validSend, redirect_uri: 'https://evil.example/verify' }, 400],
      [{ ...validSend, redirect_uri: `${REDIRECT}?next=/evil` }, 400],
      [{ ...validSend, identifier: 'nobody@example.com' }, 404],
      [{ ...validSend, identifier_type: 'passport' }, 400],
      [{ ...validSend, unknown: 1 }, 400],
      [{ ...validSend, email_expiration: 0 }, 400],
    ];
    for (const [body, status] of refusals) expect((await json(SEND, body)).status, JSON.stringify(body)).toBe(status);
    expect((await json(SEND, validSend, 'garbage')).status).toBe(401);
    expect((await raw(SEND, { headers: { 'content-type': 'text/plain' }, body: 'hi' })).status).toBe(415);
    expect(await counts()).toEqual(before);
  });

  it('a refused authenticate creates no session and burns nothing', async () => {
    const sent = await json(SEND, { ...validSend, channel: 'direct' });
    const code = new URL((await fetch(sent.body.link, { redirect: 'manual' })).headers.get('location') ?? '').searchParams.get('code');
    const sessions = await db.storage.db.session.count();
    expect((await json(AUTHENTICATE, { code, session_id: 'no-such-session' })).status).toBe(400);
    expect((await json(AUTHENTICATE, { code, resource: 'https://not-configured.example' })).status).toBe(400);
    expect((await json(AUTHENTICATE, { code, unknown: true })).status).toBe(400);
    expect(await db.storage.db.session.count()).toBe(sessions);
    expect((await json(AUTHENTICATE, { code })).status).toBe(200);
  });
});
