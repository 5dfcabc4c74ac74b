import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../../helpers/db.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

// The browser side of passkeys as HTTP (issue 18 point 2): the helper module every server serves
// to any origin, and the development sample page with its assets under a strict CSP, absent in
// production. What the files do in a browser is test/e2e/webauthn-client.test.ts.

const CLIENT = '/cis/v1/webauthn/client.js';
const SOURCE = join(import.meta.dirname, '..', '..', '..', 'src', 'flows', 'webauthn');
const NOT_FOUND = { message: 'Not found', error_code: 404 };

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer({ databaseUrl: db.url });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

const get = (url: string, headers: Record<string, string> = {}) => server.app.inject({ method: 'GET', url, headers });

describe('GET /cis/v1/webauthn/client.js', () => {
  it('serves the helper module as the file reads, to any origin, cacheable for an hour', async () => {
    const response = await get(CLIENT, { origin: 'https://shop.example' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers['cache-control']).toBe('public, max-age=3600');
    expect(response.headers.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(response.body).toBe(readFileSync(join(SOURCE, 'client', 'client.js'), 'utf8'));
    for (const name of ['isSupported', 'register', 'authenticate']) expect(response.body).toMatch(new RegExp(`^export (async )?function ${name}\\(`, 'm'));
  });

  it('answers 304 without a body to a caller that holds the same bytes (strong, weak, listed or any)', async () => {
    const etag = String((await get(CLIENT)).headers.etag);
    for (const condition of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const response = await get(CLIENT, { 'if-none-match': condition });
      expect(response.statusCode, condition).toBe(304);
      expect(response.body, condition).toBe('');
      expect(response.headers.etag, condition).toBe(etag);
      expect(response.headers['access-control-allow-origin'], condition).toBe('*');
    }
    const changed = await get(CLIENT, { 'if-none-match': '"another-version"' });
    expect(changed.statusCode).toBe(200);
    expect(changed.body.length).toBeGreaterThan(0);
  });

  it('is not part of the API description', async () => {
    const spec = await get('/docs/json');
    expect(spec.statusCode).toBe(200);
    const paths = Object.keys(spec.json().paths);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.filter((path) => path.includes('webauthn/client') || path.startsWith('/dev/passkeys'))).toEqual([]);
  });
});

describe('GET /dev/passkeys (development)', () => {
  it('serves the page and its assets under a strict CSP, never cached', async () => {
    for (const [url, type] of [
      ['/dev/passkeys', 'text/html; charset=utf-8'],
      ['/dev/passkeys/assets/sample.js', 'text/javascript; charset=utf-8'],
      ['/dev/passkeys/assets/style.css', 'text/css; charset=utf-8'],
    ] as const) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type'], url).toBe(type);
      expect(response.headers['x-content-type-options'], url).toBe('nosniff');
      expect(response.headers['cache-control'], url).toBe('no-store');
      const csp = String(response.headers['content-security-policy']);
      for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) expect(csp, url).toContain(directive);
      expect(csp, url).not.toContain('unsafe');
    }
  });

  it('loads no inline script or style, and imports the helper from the server', async () => {
    const html = (await get('/dev/passkeys')).body;
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/https?:\/\//);
    const sample = (await get('/dev/passkeys/assets/sample.js')).body;
    expect(sample).toContain("from '/cis/v1/webauthn/client.js'");
  });

  it('gives every element a test drives a stable data-testid', async () => {
    const html = (await get('/dev/passkeys')).body;
    const ids = ['client-id', 'client-secret', 'email', 'send-code', 'code', 'sign-in', 'username', 'register', 'login', 'step-up', 'list', 'result', 'amr', 'sub', 'error'];
    for (const id of ids) expect(html, id).toContain(`data-testid="${id}"`);
  });

  it('answers 404 for any asset name off its list: the file system is never asked', async () => {
    for (const name of ['nope.js', 'index.html', '__proto__', 'constructor', 'toString', '..%2Fbrowser-routes.ts', '..%2F..%2Fclient%2Fclient.js', 'a%2Fb.js']) {
      const response = await get(`/dev/passkeys/assets/${name}`);
      expect(response.statusCode, name).toBe(404);
      expect(response.json(), name).toEqual(NOT_FOUND);
    }
    for (const url of ['/dev/passkeys/assets/../x', '/dev/passkeys/assets/', '/dev/passkeys/x']) {
      expect((await get(url)).statusCode, url).toBe(404);
    }
  });
});

describe('in production', () => {
  it('serves the helper module, and no sample page', async () => {
    const production = await startTestServer({ databaseUrl: db.url, env: { NODE_ENV: 'production' } });
    try {
      const client = await production.app.inject({ method: 'GET', url: CLIENT });
      expect(client.statusCode).toBe(200);
      expect(client.headers['access-control-allow-origin']).toBe('*');
      for (const url of ['/dev/passkeys', '/dev/passkeys/assets/sample.js']) {
        const response = await production.app.inject({ method: 'GET', url });
        expect(response.statusCode, url).toBe(404);
        expect(response.json(), url).toEqual(NOT_FOUND);
      }
    } finally {
      await production.close();
    }
  });
});
