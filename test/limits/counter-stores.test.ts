import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCounterStore } from '../../src/limits/memory-counter-store.js';
import { createRateLimiter } from '../../src/limits/rate-limiter.js';
import { openRedisCounterStore } from '../../src/limits/redis-counter-store.js';
import { AuthError } from '../../src/errors.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { manualClock } from '../helpers/clock.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// The counters behind every rate limit: in memory (never evicting a live counter, windows on the
// injected clock) or in Redis, where several instances hold one limit together.

const REDIS_URL = process.env.TEST_REDIS_URL;

describe('memory counter store', () => {
  it('counts within a window, starts over after it, and never drops a live counter for others', async () => {
    const clock = manualClock();
    const store = createMemoryCounterStore(clock);
    expect(await store.increment('victim', 60_000)).toEqual({ count: 1, ttlMs: 60_000 });
    clock.advance(1000);
    expect(await store.increment('victim', 60_000)).toEqual({ count: 2, ttlMs: 59_000 });
    for (let i = 0; i < 50_000; i++) await store.increment(`other-${i}`, 60_000);
    expect((await store.increment('victim', 60_000)).count).toBe(3);
    clock.advance(59_000);
    expect(await store.increment('victim', 60_000)).toEqual({ count: 1, ttlMs: 60_000 });
  });

  it('sweeps counters whose window ended, so memory holds one window of keys', async () => {
    const clock = manualClock();
    const store = createMemoryCounterStore(clock);
    for (let i = 0; i < 1000; i++) await store.increment(`key-${i}`, 10_000);
    expect(store.size()).toBe(1000);
    clock.advance(61_000);
    await store.increment('fresh', 10_000);
    expect(store.size()).toBe(1);
  });
});

describe('rate limiter', () => {
  it('refuses past the limit with a retry time, and hashes subjects (no identifier kept in the clear)', async () => {
    const clock = manualClock();
    const store = createMemoryCounterStore(clock);
    const seen: string[] = [];
    const limiter = createRateLimiter({
      ...store,
      increment: (key, windowMs) => {
        seen.push(key);
        return store.increment(key, windowMs);
      },
    });
    const limit = { max: 2, windowMs: 30_000 };
    await limiter.hit('send', limit, 'user:abc@example.com');
    await limiter.hit('send', limit, 'user:abc@example.com');
    const refused = await limiter.hit('send', limit, 'user:abc@example.com').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AuthError);
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'send', retryAfterSeconds: 30 } });
    expect(seen.join(' ')).not.toContain('abc@example.com');
  });

  it('fails closed when the counters cannot be reached, with a time to retry', async () => {
    const down = async () => Promise.reject(new Error('down'));
    const limiter = createRateLimiter({ shared: true, increment: down, decrement: down, ping: down, watch: () => {}, close: async () => {} });
    await expect(limiter.hit('send', { max: 5, windowMs: 1000 }, 'x')).rejects.toMatchObject({ code: 'RATE_LIMIT_UNAVAILABLE', status: 503, details: { bucket: 'send', retryAfterSeconds: 2 } });
    await expect(limiter.ping()).rejects.toMatchObject({ code: 'RATE_LIMIT_UNAVAILABLE', details: { retryAfterSeconds: 2 } });
  });

  it('gives back a request it counted, within its window only', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter(createMemoryCounterStore(clock));
    const limit = { max: 1, windowMs: 10_000 };
    await limiter.hit('adminAuth', limit, '10.0.0.1');
    await limiter.refund('adminAuth', '10.0.0.1');
    await limiter.hit('adminAuth', limit, '10.0.0.1');
    await expect(limiter.hit('adminAuth', limit, '10.0.0.1')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    clock.advance(10_000);
    await limiter.refund('adminAuth', '10.0.0.1');
    await limiter.hit('adminAuth', limit, '10.0.0.1');
    await expect(limiter.hit('adminAuth', limit, '10.0.0.1')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(limiter.ping()).resolves.toBeUndefined();
  });
});

describe.runIf(REDIS_URL)('limits shared through Redis (REDIS_URL)', () => {
  let db: TestDatabase;
  let first: TestServer;
  let second: TestServer;

  beforeAll(async () => {
    db = await freshDatabase();
    const env = { REDIS_URL: REDIS_URL ?? '', RATE_LIMIT_SEND_MAX: '4' };
    first = await startTestServer({ databaseUrl: db.url, env });
    second = await startTestServer({ databaseUrl: db.url, env, clock: first.clock });
  });

  afterAll(async () => {
    await second?.close();
    await first?.close();
    await db?.drop();
  });

  it('gives a counted request back in Redis, never below zero', async () => {
    const limiter = createRateLimiter(await openRedisCounterStore(REDIS_URL ?? ''));
    try {
      const subject = `refund-${Date.now()}-${Math.random()}`;
      const limit = { max: 1, windowMs: 60_000 };
      await limiter.refund('adminAuth', subject);
      await limiter.hit('adminAuth', limit, subject);
      await limiter.refund('adminAuth', subject);
      await limiter.refund('adminAuth', subject);
      await limiter.hit('adminAuth', limit, subject);
      await expect(limiter.hit('adminAuth', limit, subject)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
      await expect(limiter.ping()).resolves.toBeUndefined();
    } finally {
      await limiter.close();
    }
  });

  it('two instances on one database hold one limit together', async () => {
    const app = await first.createApp({ name: 'Fleet' });
    const created = await app.call('POST', '/cis/v1/users', { email: `fleet-${Date.now()}@example.com` });
    const userId = created.body.result.user_id as string;
    const onSecond = (await import('../helpers/test-server.js')).clientFor(second.url, { app_id: app.appId, tenant_id: app.tenantId, client_id: app.clientId, client_secret: app.clientSecret });
    const send = (client: typeof app) => client.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'user_id', identifier: userId });
    const statuses = [await send(app), await send(onSecond), await send(app), await send(onSecond), await send(app), await send(onSecond)].map((answer) => answer.status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });
});
