import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LimiterReachability, RateLimiter } from '../../src/limits/rate-limiter.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { type PrivateRedis, privateRedis } from '../helpers/private-redis.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// Issue 15 §3: a server whose Redis goes away fails closed (503) on the rate-limited routes, now
// with Retry-After, and counts again once Redis is back, without a restart. The outage is real: the
// test's own redis-server is stopped and started again.

/** The next report of `reachable` (at once if the limiter already is in that state's outage). */
const reachability = (limiter: RateLimiter, reachable: boolean) => new Promise<LimiterReachability>((resolve) => limiter.watch((change) => change.reachable === reachable && resolve(change)));

let redis: PrivateRedis;
let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  redis = await privateRedis('a-private-redis-password');
  await redis.start();
  db = await freshDatabase();
  server = await startTestServer({ databaseUrl: db.url, env: { REDIS_URL: redis.url } });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
  await redis?.remove();
});

describe('issue 15: Redis goes away under a running server', () => {
  it('limited routes and the admin API answer 503 with Retry-After while it is away, and count again once it is back', async () => {
    const app = await server.createApp({ name: 'Redis outage' });
    const clientToken = async () => {
      const response = await fetch(`${server.url}/oidc/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret }),
      });
      return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as object };
    };
    const adminCall = () => fetch(`${server.url}/admin/v1/applications/${app.appId}`, { headers: { authorization: `Bearer ${server.config.adminToken}` } });
    expect((await clientToken()).status).toBe(200);

    const gone = reachability(server.limiter, false);
    await redis.stop();
    expect(await gone).toMatchObject({ reachable: false });
    expect(await clientToken()).toEqual({ status: 503, retryAfter: '2', body: { message: 'Rate limiting is unavailable; try again later', error_code: 503 } });
    const admin = await adminCall();
    expect([admin.status, admin.headers.get('retry-after')]).toEqual([503, '2']);
    await expect(server.limiter.ping()).rejects.toMatchObject({ code: 'RATE_LIMIT_UNAVAILABLE' });
    // Liveness is not readiness: the process is alive and says so, and is not ready.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const notReady = await fetch(`${server.url}/ready`);
    expect([notReady.status, await notReady.json()]).toEqual([503, { status: 'unavailable', checks: { database: 'ok', redis: 'failing' } }]);

    const back = reachability(server.limiter, true);
    await redis.start();
    expect(await back).toEqual({ reachable: true, refused: 2 });
    expect((await clientToken()).status).toBe(200);
    expect((await adminCall()).status).toBe(200);
    await expect(server.limiter.ping()).resolves.toBeUndefined();
    const ready = await fetch(`${server.url}/ready`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready', checks: { database: 'ok', redis: 'ok' } }]);
  });
});
