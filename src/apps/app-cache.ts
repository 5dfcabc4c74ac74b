import type { AppRecord } from '../repositories/app-repository.js';

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
  /** The app as the instance's own admin change left it (or forgotten, when null). */
  invalidate(appId: string): void;
  clear(): void;
  readonly size: number;
}

export function createAppCache(options: { maxEntries: number }): AppCache {
  const entries = new Map<string, AppRecord>();
  // Bumped by every invalidation: a load that began before it must not store what it read.
  let generation = 0;

  return {
    async get(appId, load) {
      const cached = entries.get(appId);
      if (cached !== undefined) return cached;
      const startedAt = generation;
      const app = await load(appId);
      if (app !== null && generation === startedAt) {
        // Bounded: past the limit the entry cached first goes (Map keeps insertion order).
        if (entries.size >= options.maxEntries) entries.delete(entries.keys().next().value as string);
        entries.set(appId, app);
      }
      return app;
    },
    invalidate(appId) {
      generation += 1;
      entries.delete(appId);
    },
    clear() {
      generation += 1;
      entries.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
