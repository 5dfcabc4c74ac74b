import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_PARAM_LENGTH } from '../../src/http/transport.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { openRaw, type RawResponse, rawExchange } from '../helpers/raw-http.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// Whatever arrives on the wire, the answer is our `{ message, error_code }` with the right 4xx
// (error_code = the status), never Fastify's or Node's own body, a 500 or a stack trace: URLs the
// router cannot decode, over-long path parameters, what Node's HTTP parser refuses before Fastify
// sees a request, unknown routes and methods, and input PostgreSQL would refuse with a 500.

let db: TestDatabase;
let server: TestServer;
let client: TestClient;
let bearer: string;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer({ databaseUrl: db.url, listen: true });
  client = await server.createApp();
  bearer = `Bearer ${await client.token()}`;
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

/** Our error body and nothing of Fastify's or Node's: no FST_ code, no statusCode, no stack. */
function expectOurError(answer: { status: number; headers: Readonly<Record<string, string>>; body: string }, status: number): { message: unknown; error_code: number } {
  expect(answer.status, answer.body).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect(answer.body).not.toMatch(/FST_|statusCode|stack|\bat \S+ \(|\.(ts|js):\d+/);
  const body = JSON.parse(answer.body) as { message: unknown; error_code: number };
  expect(Object.keys(body).sort()).toEqual(['error_code', 'message']);
  expect(body.error_code).toBe(status);
  expect(typeof body.message === 'string' || (Array.isArray(body.message) && body.message.every((line) => typeof line === 'string'))).toBe(true);
  return body;
}

const get = (path: string, headers = '') => `GET ${path} HTTP/1.1\r\nHost: test\r\n${headers}Connection: close\r\n\r\n`;
const postJson = (path: string, json: string, headers = '') =>
  `POST ${path} HTTP/1.1\r\nHost: test\r\nAuthorization: ${bearer}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n${headers}Connection: close\r\n\r\n${json}`;

async function fetchAnswer(path: string, init: RequestInit = {}): Promise<RawResponse> {
  const response = await fetch(`${server.url}${path}`, { ...init, headers: { authorization: bearer, ...(init.headers as Record<string, string>) } });
  return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
}

describe('URLs the router refuses', () => {
  it('a bad percent-encoding in the path is 400 in our shape, without echoing the path', async () => {
    for (const path of ['/cis/v1/users/%E0%A4%A', '/cis/v1/users/%C0%80', '/nope/%E0%A4%A', '/docs/static/%ZZ']) {
      const answer = await rawExchange(server.url, get(path, `Authorization: ${bearer}\r\n`));
      expectOurError(answer, 400);
      expect(answer.body).not.toContain('%');
    }
  });

  it('a bad percent-encoding in the query string is 400 (Fastify would pass it on undecoded)', async () => {
    for (const path of ['/cis/v1/users/someone?x=%E0%A4%A', '/dev/outbox?to=%E0%A4%A', '/cis/v1/auth/link/email/redirect?token=%zz']) {
      const body = expectOurError(await rawExchange(server.url, get(path, `Authorization: ${bearer}\r\n`)), 400);
      expect(body.message).toEqual(['querystring is not valid percent-encoded UTF-8']);
    }
  });

  it(`a path parameter over ${MAX_PARAM_LENGTH} characters is 414; a long but legitimate one reaches its route`, async () => {
    const tooLong = expectOurError(await fetchAnswer(`/cis/v1/users/${'a'.repeat(MAX_PARAM_LENGTH + 1)}`), 414);
    expect(tooLong.message).toBe('A path segment is too long');
    // An email of 300 characters, percent-encoded: Fastify's default limit (100) made this a 414.
    const email = `${'a'.repeat(60)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(56)}.com`;
    expect(email.length).toBeGreaterThan(300);
    expect(await fetchAnswer(`/cis/v1/users/email/${encodeURIComponent(email)}`)).toMatchObject({ status: 404, body: JSON.stringify({ message: 'User not found', error_code: 404 }) });
  });
});

describe('NUL characters, which PostgreSQL refuses in text, are a 400 (not a 500) on every engine', () => {
  it('in the path, the query string, a JSON body and a form body', async () => {
    expect(expectOurError(await fetchAnswer('/cis/v1/users/%00'), 400).message).toEqual(['the URL path must not contain NUL characters']);
    expectOurError(await fetchAnswer('/cis/v1/users/email/a%00%40example.com'), 400);
    expectOurError(await fetchAnswer('/cis/v1/auth/users/%00/sessions'), 400);
    expect(expectOurError(await fetchAnswer('/dev/outbox?to=%00'), 400).message).toEqual(['querystring must not contain NUL characters']);
    const json = { 'content-type': 'application/json' };
    expect(expectOurError(await fetchAnswer('/cis/v1/users', { method: 'POST', headers: json, body: JSON.stringify({ username: 'a\u0000b' }) }), 400).message).toEqual([
      'body must not contain NUL characters',
    ]);
    expectOurError(await fetchAnswer('/cis/v1/users', { method: 'POST', headers: json, body: JSON.stringify({ address: { city: ['x', { 'k\u0000': 1 }] } }) }), 400);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    expectOurError(await fetchAnswer('/oidc/token', { method: 'POST', headers: form, body: `grant_type=client_credentials&client_id=${client.clientId}%00&client_secret=x` }), 400);
  });

  it('on the OTP endpoints the refusal carries their own validation code', async () => {
    const answer = await fetchAnswer('/cis/v1/auth/otp/send', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'direct', identifier: 'a\u0000@example.com', identifier_type: 'email' }),
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ message: ['body must not contain NUL characters'], error_code: 'system_invalid_input' });
  });

  it('a deeply nested body is judged without exhausting the stack', async () => {
    // 30,000 levels overflow a recursive walk (a 500); the body stays under the 64 KiB limit.
    const deep = `{"username":${'['.repeat(30_000)}${']'.repeat(30_000)}}`;
    expect(deep.length).toBeLessThan(server.config.bodyLimitBytes);
    expectOurError(await rawExchange(server.url, postJson('/cis/v1/users', deep)), 400);
  });
});

describe("what Node's HTTP parser refuses, answered by our clientErrorHandler", () => {
  const malformed: Array<[string, string]> = [
    ['a garbage request line', 'GARBAGE\r\n\r\n'],
    ['an unknown method', 'BREW /health HTTP/1.1\r\nHost: test\r\n\r\n'],
    ['a request target that is not a path', 'GET health HTTP/1.1\r\nHost: test\r\n\r\n'],
    ['a space in a header name', 'GET /health HTTP/1.1\r\nHost: test\r\nBad Header: x\r\n\r\n'],
    ['a control character in a header value', 'GET /health HTTP/1.1\r\nHost: test\r\nX-A: a\u0001b\r\n\r\n'],
    ['a folded header line', 'GET /health HTTP/1.1\r\nHost: test\r\nX-A: a\r\n b\r\n\r\n'],
    ['bare LF line endings', 'GET /health HTTP/1.1\nHost: test\n\n'],
    ['two Content-Length headers', 'POST /cis/v1/users HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}'],
    ['a Content-Length that is no number', 'POST /cis/v1/users HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}'],
    [
      'Content-Length with chunked encoding',
      'POST /cis/v1/users HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
    ],
    ['an invalid chunk size', 'POST /oidc/token HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n'],
  ];
  for (const [what, request] of malformed) {
    it(`${what}: 400 in our shape, and the connection is closed`, async () => {
      const answer = await rawExchange(server.url, request);
      expect(expectOurError(answer, 400).message).toBe('Malformed HTTP request');
      expect(answer.headers.connection).toBe('close');
      expect(answer.headers['cache-control']).toBe('no-store');
    });
  }

  it('headers over the size limit are 431', async () => {
    const answer = await rawExchange(server.url, `GET /health HTTP/1.1\r\nHost: test\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expectOurError(answer, 431);
  });

  it('an HTTP/1.1 request without Host is 400 in our shape (Node answers it with an empty body); HTTP/1.0 needs none', async () => {
    const answer = await rawExchange(server.url, 'GET /health HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(expectOurError(answer, 400).message).toBe('The Host header is required');
    expect(await rawExchange(server.url, 'GET /health HTTP/1.0\r\n\r\n')).toMatchObject({ status: 200, body: '{"status":"ok"}' });
  });

  it('an Expect other than 100-continue is 417 in our shape; 100-continue works', async () => {
    expectOurError(await rawExchange(server.url, 'POST /cis/v1/users HTTP/1.1\r\nHost: test\r\nExpect: teapot\r\nContent-Length: 2\r\n\r\n{}'), 417);
    const continued = await rawExchange(server.url, postJson('/cis/v1/users', JSON.stringify({ email: 'continue@example.com' }), 'Expect: 100-continue\r\n'));
    expect(continued.status).toBe(201);
  });
});

describe('routes, methods and bodies', () => {
  it('unknown routes and wrong methods are 404 in our shape', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['GET', '/cis/v1/auth/otp/send'],
      ['PUT', '/cis/v1/users'],
      ['DELETE', '/oidc/token'],
      ['OPTIONS', '/cis/v1/users'],
      ['OPTIONS', '*'],
      ['PATCH', '/admin/v1/tenants'],
    ] as const) {
      const answer = await rawExchange(server.url, `${method} ${path} HTTP/1.1\r\nHost: test\r\nAuthorization: ${bearer}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      expect(expectOurError(answer, 404).message, `${method} ${path}`).toBe('Not found');
    }
  });

  it('HEAD answers the GET route’s status and headers without a body', async () => {
    const unknown = await fetch(`${server.url}/nope`, { method: 'HEAD' });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await unknown.text()).toBe('');
    const health = await fetch(`${server.url}/health`, { method: 'HEAD' });
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('');
  });

  it('an unsupported or missing content type is 415, an oversized body 413 (announced or chunked)', async () => {
    for (const contentType of ['text/plain', 'application/xml', '']) {
      const headers = contentType === '' ? '' : `Content-Type: ${contentType}\r\n`;
      expectOurError(await rawExchange(server.url, `POST /cis/v1/users HTTP/1.1\r\nHost: test\r\nAuthorization: ${bearer}\r\n${headers}Content-Length: 2\r\nConnection: close\r\n\r\n{}`), 415);
    }
    const tooLarge = server.config.bodyLimitBytes + 1;
    expectOurError(
      await rawExchange(server.url, `POST /cis/v1/users HTTP/1.1\r\nHost: test\r\nAuthorization: ${bearer}\r\nContent-Type: application/json\r\nContent-Length: ${tooLarge}\r\n\r\n`),
      413,
    );
    const chunk = 'a'.repeat(tooLarge);
    expectOurError(
      await rawExchange(
        server.url,
        `POST /cis/v1/users HTTP/1.1\r\nHost: test\r\nAuthorization: ${bearer}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${tooLarge.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`,
      ),
      413,
    );
  });
});

describe('a graceful close', () => {
  it("refuses requests still arriving on open connections with 503 in our shape (not Fastify's), and closes them", async () => {
    const closingServer = await startTestServer({ databaseUrl: db.url, listen: true });
    const connection = await openRaw(closingServer.url);
    const body = JSON.stringify({ name: 'In flight while closing' });
    // Node answers 100 Continue once it has handed the request to Fastify: the request is in flight.
    connection.write(
      `POST /admin/v1/tenants HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${closingServer.config.adminToken}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
    );
    expect((await connection.nextResponse()).status).toBe(100);
    const closed = closingServer.close();
    await vi.waitFor(() => expect(closingServer.app.server.listening).toBe(false), { timeout: 5000, interval: 5 });
    // The in-flight request completes; the next one on the same connection arrives after the close began.
    connection.write(`${body}GET /health HTTP/1.1\r\nHost: test\r\n\r\n`);
    expect((await connection.nextResponse()).status).toBe(201);
    const refused = await connection.nextResponse();
    expect(expectOurError(refused, 503).message).toBe('The server is shutting down; retry');
    expect(refused.headers.connection).toBe('close');
    await connection.closed();
    await closed;
  });
});
