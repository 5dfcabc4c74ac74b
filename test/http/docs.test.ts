import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// The API documentation is on by default; DOCS_ENABLED=false takes /docs and /docs/json away
// (our 404), e.g. for a production deployment that does not want its API surface described.

let db: TestDatabase;
let withDocs: TestServer;
let withoutDocs: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  withDocs = await startTestServer({ databaseUrl: db.url });
  withoutDocs = await startTestServer({ databaseUrl: db.url, env: { DOCS_ENABLED: 'false' } });
});

afterAll(async () => {
  await withDocs?.close();
  await withoutDocs?.close();
  await db?.drop();
});

describe('DOCS_ENABLED', () => {
  it('by default /docs serves the UI and /docs/json the OpenAPI document', async () => {
    expect(withDocs.config.docsEnabled).toBe(true);
    const ui = await fetch(`${withDocs.url}/docs`);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toMatch(/^text\/html/);
    const json = await fetch(`${withDocs.url}/docs/json`);
    expect(json.status).toBe(200);
    expect(((await json.json()) as { openapi: string }).openapi).toMatch(/^3\./);
  });

  it('false: /docs, /docs/json and everything under /docs answer our 404; the API itself still works', async () => {
    for (const path of ['/docs', '/docs/', '/docs/json', '/docs/yaml', '/docs/static/index.html']) {
      const answer = await fetch(`${withoutDocs.url}${path}`);
      expect(answer.status, path).toBe(404);
      expect(await answer.json()).toEqual({ message: 'Not found', error_code: 404 });
    }
    expect((await fetch(`${withoutDocs.url}/health`)).status).toBe(200);
    expect((await fetch(`${withoutDocs.url}/cis/oidc/jwks`)).status).toBe(200);
  });
});
