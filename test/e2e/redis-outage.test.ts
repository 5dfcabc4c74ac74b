import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type PrivateRedis, privateRedis } from '../helpers/private-redis.js';
import { cleanUp, emptyDatabaseUrl, freePort, start } from '../helpers/process.js';
import { TEST_MASTER_KEY } from '../helpers/test-config.js';

// Issue 15 §3, as an operator meets it: the server started while its Redis was down exited 1 with
// "Connection is closed" (no word of Redis), so a supervisor restarted it in a loop. Now it starts,
// names REDIS_URL (never its password), fails closed with 503 + Retry-After on the rate-limited
// routes, and heals when Redis starts, without a restart. The server runs from dist/ as
// `npm start` runs it; Redis is the test's own redis-server, really stopped.

const PASSWORD = 'the-redis-password-never-logged';
const ADMIN_TOKEN = 'an-admin-token-for-this-test';

let redis: PrivateRedis;

beforeAll(async () => {
  redis = await privateRedis(PASSWORD);
}, 300_000);

afterEach(cleanUp);
afterAll(async () => {
  await redis?.remove();
});

describe('issue 15: Redis down at start', () => {
  it('starts, names REDIS_URL without its password, answers 503 with Retry-After on limited routes, and heals when Redis starts', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = start({ PORT: String(port), DATABASE_URL: await emptyDatabaseUrl(), REDIS_URL: redis.url, KEYSTATE_ADMIN_TOKEN: ADMIN_TOKEN, KEYSTATE_MASTER_KEY: TEST_MASTER_KEY });
    await server.printed('Keystate listening');
    await server.printed('cannot be reached');
    const redisPort = new URL(redis.url).port;
    expect(server.output()).toContain(`Redis at REDIS_URL=redis://:***@127.0.0.1:${redisPort} cannot be reached`);
    expect(server.output()).toContain(`connect ECONNREFUSED 127.0.0.1:${redisPort}`);
    expect(server.output()).not.toContain(PASSWORD);

    // The development app the server made at start; its client token is a rate-limited route.
    const [, clientId = '', clientSecret = ''] = /client_id=(\S+) client_secret=(\S+)/.exec(server.output()) ?? [];
    const clientToken = async () => {
      const response = await fetch(`${url}/oidc/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }) });
      return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as object };
    };
    expect(await clientToken()).toEqual({ status: 503, retryAfter: '2', body: { message: 'Rate limiting is unavailable; try again later', error_code: 503 } });
    const admin = await fetch(`${url}/admin/v1/applications/none`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect([admin.status, admin.headers.get('retry-after')]).toEqual([503, '2']);
    expect((await fetch(`${url}/health`)).status).toBe(200);

    await redis.start();
    await server.printed('is reachable again');
    expect((await clientToken()).status).toBe(200);
    expect((await fetch(`${url}/admin/v1/applications/none`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(404);
    expect(server.output()).not.toContain(PASSWORD);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});
