import type { AppRecord } from '../repositories/app-repository.js';
import { oldestKey } from '../fields.js';

// The apps that callers' client tokens speak for, kept in memory so that a request does not read
// its caller's app from the database (issue 8 §6). Keyed by the app id of the token's claims; the
// tenant and secret version of the claims are checked against the cached record by the caller.
//
// Admin changes invalidate it: at once on the instance that made the change, and on every other
// instance when it next reads the apps' revision counter (src/apps/app-revision.ts), which every
// admin change bumps in its own transaction. Reading the counter and finding it moved clears the
// whole cache: admin changes are rare, and a reload costs one statement per app in use.

export interface AppCache {
  /** The cached app, or the app loaded by `load` (and cached unless the cache was cleared while it
   * was loading: what it read may predate the change that cleared it). */
  get(appId: string, load: (appId: string) => Promise<AppRecord | null>): Promise<AppRecord | null>;
  /** The same, found by the app's client id (the client-credentials grant). */
  getByClientId(clientId: string, load: (clientId: string) => Promise<AppRecord | null>): Promise<AppRecord | null>;
  /** The app as the instance's own admin change left it (or forgotten, when null). */
  invalidate(appId: string): void;
  clear(): void;
  readonly size: number;
}

export function createAppCache(options: { maxEntries: number }): AppCache {
  const entries = new Map<string, AppRecord>();
  const appIdOfClient = new Map<string, string>();
  // Bumped by every invalidation: a load that began before it must not store what it read.
  let generation = 0;

  const forget = (appId: string) => {
    const app = entries.get(appId);
    if (app !== undefined) appIdOfClient.delete(app.clientId);
    entries.delete(appId);
  };
  const loaded = async <K>(key: K, load: (key: K) => Promise<AppRecord | null>): Promise<AppRecord | null> => {
    const startedAt = generation;
    const app = await load(key);
    if (app !== null && generation === startedAt) {
      // Bounded: past the limit the entry cached first goes (Map keeps insertion order).
      if (entries.size >= options.maxEntries) forget(oldestKey(entries) ?? '');
      forget(app.id);
      entries.set(app.id, app);
      appIdOfClient.set(app.clientId, app.id);
    }
    return app;
  };

  return {
    async get(appId, load) {
      return entries.get(appId) ?? loaded(appId, load);
    },
    async getByClientId(clientId, load) {
      const appId = appIdOfClient.get(clientId);
      return (appId === undefined ? undefined : entries.get(appId)) ?? loaded(clientId, load);
    },
    invalidate(appId) {
      generation += 1;
      forget(appId);
    },
    clear() {
      generation += 1;
      entries.clear();
      appIdOfClient.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
