import { describe, expect, it } from 'vitest';
import { createAppCache } from '../../src/apps/app-cache.js';
import type { AppRecord } from '../../src/repositories/app-repository.js';

// The in-memory cache of callers' apps: loads once, forgets on invalidation, never stores what a
// load read before an invalidation (it may predate the change), and stays bounded.

const app = (id: string, name = id): AppRecord => ({
  id,
  tenantId: 'tenant-1',
  name,
  clientId: `client-${id}`,
  clientSecretHash: 'hash',
  clientSecretKeyId: null,
  secretVersion: 1,
  redirectUris: [],
  resources: [],
  loginPreferences: {},
  webauthn: null,
});

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}

describe('app cache', () => {
  it('loads an app once and serves it from memory after that', async () => {
    const cache = createAppCache({ maxEntries: 10 });
    const loads: string[] = [];
    const load = async (id: string) => {
      loads.push(id);
      return app(id);
    };
    expect((await cache.get('a', load))?.name).toBe('a');
    expect((await cache.get('a', load))?.name).toBe('a');
    expect(loads).toEqual(['a']);
  });

  it('does not cache an unknown app', async () => {
    const cache = createAppCache({ maxEntries: 10 });
    let loads = 0;
    const load = async () => {
      loads++;
      return null;
    };
    expect(await cache.get('missing', load)).toBeNull();
    expect(await cache.get('missing', load)).toBeNull();
    expect(loads).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('reads an invalidated app again, and after clear() every app', async () => {
    const cache = createAppCache({ maxEntries: 10 });
    let version = 1;
    const load = async (id: string) => app(id, `${id}@${version}`);
    await cache.get('a', load);
    await cache.get('b', load);
    version = 2;
    cache.invalidate('a');
    expect((await cache.get('a', load))?.name).toBe('a@2');
    expect((await cache.get('b', load))?.name).toBe('b@1');
    version = 3;
    cache.clear();
    expect((await cache.get('b', load))?.name).toBe('b@3');
  });

  it('does not keep what a load read before an invalidation that happened while it was loading', async () => {
    const cache = createAppCache({ maxEntries: 10 });
    const slow = deferred<AppRecord>();
    const inFlight = cache.get('a', () => slow.promise);
    cache.clear(); // another instance changed an app meanwhile
    slow.resolve(app('a', 'old'));
    expect((await inFlight)?.name).toBe('old');
    expect(cache.size).toBe(0);
    expect((await cache.get('a', async () => app('a', 'new')))?.name).toBe('new');
  });

  it('finds an app by its client id too, and forgets both keys together', async () => {
    const cache = createAppCache({ maxEntries: 10 });
    const loads: string[] = [];
    const byClient = async (clientId: string) => {
      loads.push(clientId);
      return app(clientId.replace('client-', ''));
    };
    expect((await cache.getByClientId('client-a', byClient))?.id).toBe('a');
    expect((await cache.get('a', async () => null))?.id).toBe('a');
    expect((await cache.getByClientId('client-a', byClient))?.id).toBe('a');
    expect(loads).toEqual(['client-a']);
    cache.invalidate('a');
    await cache.getByClientId('client-a', byClient);
    expect(loads).toEqual(['client-a', 'client-a']);
  });

  it('holds at most maxEntries apps, forgetting the one cached first', async () => {
    const cache = createAppCache({ maxEntries: 2 });
    const loads: string[] = [];
    const load = async (id: string) => {
      loads.push(id);
      return app(id);
    };
    for (const id of ['a', 'b', 'c']) await cache.get(id, load);
    expect(cache.size).toBe(2);
    await cache.get('c', load);
    await cache.get('a', load);
    expect(loads).toEqual(['a', 'b', 'c', 'a']);
  });
});
