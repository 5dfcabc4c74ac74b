import { readAppRevision } from '../repositories/app-repository.js';
import type { Tx } from '../storage/prisma.js';
import { type AppCache, createAppCache } from './app-cache.js';

// The cache of callers' apps (app-cache.ts) and what keeps it true across instances: every admin
// change of an app bumps one revision counter in its own transaction; each instance reads the
// counter every `refreshMs` and clears its cache when the counter moved. An instance therefore
// serves a changed app (a rotated secret included) for at most one period after the change; the
// instance that made the change forgets the app at once.

export interface CachedApps {
  readonly cache: AppCache;
  /** Reads the revision counter and clears the cache if another instance changed an app. */
  refresh(): Promise<void>;
  startRefreshing(onError: (error: unknown) => void): void;
  stop(): void;
}

export async function openCachedApps(deps: { db: Tx; refreshMs: number; maxEntries: number }): Promise<CachedApps> {
  const { db, refreshMs } = deps;
  const cache = createAppCache({ maxEntries: deps.maxEntries });
  let seen = await readAppRevision(db);
  let timer: NodeJS.Timeout | null = null;

  const refresh = async () => {
    const revision = await readAppRevision(db);
    if (revision !== seen) {
      seen = revision;
      cache.clear();
    }
  };

  return {
    cache,
    refresh,
    startRefreshing(onError) {
      if (timer !== null) return;
      timer = setInterval(() => void refresh().catch(onError), refreshMs);
      timer.unref();
    },
    stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}
