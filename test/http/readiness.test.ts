import Fastify from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { databaseProbe, type ReadinessProbe, readinessRoutes } from '../../src/http/routes/operations.js';
import type { DatabaseOutage } from '../../src/storage/database-outage.js';

// GET /ready runs its named probes (the database's write probe, Redis's ping when configured…):
// 200 when all pass, 503 with Retry-After naming the ones that failed or did not answer in time.
// Callers that arrive while a probe runs share its run, so a hard-polling load balancer costs one.

async function appWith(probes: ReadinessProbe[]) {
  const app = Fastify();
  await app.register(readinessRoutes, { probes });
  return app;
}

const passing = (name: string): ReadinessProbe => ({ name, check: async () => {} });

afterEach(() => {
  vi.useRealTimers();
});

describe('GET /ready', () => {
  it('is 200 with every check ok', async () => {
    const app = await appWith([passing('database'), passing('redis')]);
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    expect({ status: ready.statusCode, body: ready.json(), retryAfter: ready.headers['retry-after'] }).toEqual({
      status: 200,
      body: { status: 'ready', checks: { database: 'ok', redis: 'ok' } },
      retryAfter: undefined,
    });
    await app.close();
  });

  it('is 503 with Retry-After, naming the failing probe', async () => {
    const app = await appWith([passing('database'), { name: 'redis', check: async () => Promise.reject(new Error('Connection is closed.')) }]);
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    expect({ status: ready.statusCode, body: ready.json(), retryAfter: ready.headers['retry-after'] }).toEqual({
      status: 503,
      body: { status: 'unavailable', checks: { database: 'ok', redis: 'failing' } },
      retryAfter: '5',
    });
    await app.close();
  });

  it('a probe that does not answer in time counts as failing; callers meanwhile share its one run', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let runs = 0;
    let answerFirst: () => void = () => {};
    // The first run hangs (a database that stopped answering); later runs answer at once.
    const check = () => {
      runs += 1;
      return runs === 1 ? new Promise<void>((resolve) => (answerFirst = resolve)) : Promise.resolve();
    };
    const app = await appWith([{ name: 'database', check }]);
    const waiting = [app.inject({ method: 'GET', url: '/ready' }), app.inject({ method: 'GET', url: '/ready' })];
    await vi.waitFor(() => expect(runs).toBe(1));
    await vi.advanceTimersByTimeAsync(2_000);
    for (const ready of await Promise.all(waiting)) expect({ status: ready.statusCode, body: ready.json() }).toEqual({ status: 503, body: { status: 'unavailable', checks: { database: 'timeout' } } });
    expect(runs).toBe(1);
    answerFirst();
    await vi.advanceTimersByTimeAsync(0);
    const after = await app.inject({ method: 'GET', url: '/ready' });
    expect({ status: after.statusCode, runs }).toEqual({ status: 200, runs: 2 });
    await app.close();
  });
});

describe('the database probe', () => {
  it('writes at most once a second while all is well, at every call during an outage (review finding: /ready polled in a loop)', async () => {
    let nowMs = 0;
    let writes = 0;
    let failing = false;
    const outage: DatabaseOutage = {
      failed: () => {},
      refuse: () => null,
      absorb: () => true,
      wrote: () => {},
      get failing() {
        return failing;
      },
    };
    const probe = databaseProbe(
      async () => {
        writes += 1;
      },
      outage,
      () => nowMs,
    );
    await probe.check();
    await probe.check();
    expect(writes).toBe(1);
    nowMs += 1_000;
    await probe.check();
    expect(writes).toBe(2);
    failing = true;
    await probe.check();
    await probe.check();
    expect(writes).toBe(4);
  });
});
