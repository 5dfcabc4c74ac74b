import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll } from 'vitest';
import { freshDatabase, type TestDatabase } from './db.js';
import { startTestServer, type TestClient, type TestServer } from './test-server.js';

// The world of the OIDC tests (test/http/oidc*.test.ts): a server with one app, "Shop", allowed
// the resource RESOURCE, and the plain-fetch and JWKS helpers they share.
//
// The parts are exported as live bindings, set by the hooks useOidcFixture() registers, so the
// tests read `server`, `client`… as if the file had declared them. Vitest loads this module
// afresh for each test file, so each file gets its own database and server.

export const RESOURCE = 'https://api.shop.example';

export let db: TestDatabase;
export let server: TestServer;
export let client: TestClient;

/** Starts the database and the server before the file's tests; stops them after. */
export function useOidcFixture(): void {
  beforeAll(async () => {
    db = await freshDatabase();
    server = await startTestServer({ databaseUrl: db.url });
    client = await server.createApp({ name: 'Shop', resources: [RESOURCE] });
  });

  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });
}

export type Answer = { status: number; body: any; headers: Headers };

/** A fetch response with its JSON body read (null when empty). */
export async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : JSON.parse(text), headers: response.headers };
}

function jwksOf(target: TestServer) {
  return createRemoteJWKSet(new URL(`${target.url}/cis/oidc/jwks`));
}

export async function verifyClientToken(target: TestServer, token: string, audience = 'userid-api') {
  return jwtVerify(token, jwksOf(target), { issuer: target.config.issuer, audience, currentDate: new Date(target.clock.now()) });
}
