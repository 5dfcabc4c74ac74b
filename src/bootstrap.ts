import { type CachedApps, openCachedApps } from './apps/app-revision.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { ensureKeys, type KeyStore, openKeyStore } from './keys/key-store.js';
import { assertKeysOpen, type SealedCounts, sealLegacySecrets } from './keys/seal-legacy.js';
import { DEFAULT_TENANT_NAME, findTenantByName, insertTenant, type TenantRecord } from './repositories/tenant-repository.js';
import { newId } from './secrets/random.js';
import { createSealer, type Sealer, SealError } from './secrets/sealer.js';
import type { Storage } from './storage/prisma.js';

// What must exist before the first request: the default tenant, a signing key for the configured
// algorithm and the HMAC key for stored secrets, all secrets at rest sealed under the key-encryption
// key. Each is created once and shared through the database.

export interface Bootstrapped {
  readonly defaultTenant: TenantRecord;
  readonly keys: KeyStore;
  readonly sealer: Sealer;
  /** Callers' apps, cached, and the revision that tells this instance when to forget them. */
  readonly apps: CachedApps;
  /** What this start sealed that an older server had stored in plaintext. */
  readonly sealed: SealedCounts;
}

/** Apps in use at once on one instance, at most (past it, the app cached first is read again). */
const APP_CACHE_ENTRIES = 10_000;

class BootstrapError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BootstrapError';
  }
}

export async function bootstrap(storage: Storage, config: Pick<Config, 'tokenSigningAlg' | 'keyRefreshMs' | 'appRefreshMs'>, clock: Clock, kek: Buffer): Promise<Bootstrapped> {
  const { db } = storage;
  const defaultTenant = (await findTenantByName(db, DEFAULT_TENANT_NAME)) ?? (await insertTenant(db, { id: newId(), name: DEFAULT_TENANT_NAME })) ?? (await findTenantByName(db, DEFAULT_TENANT_NAME));
  if (defaultTenant === null) throw new BootstrapError('the default tenant could not be created');

  const sealer = createSealer(kek);
  try {
    await assertKeysOpen(db, sealer);
    const sealed = await sealLegacySecrets(db, sealer);
    await ensureKeys(db, sealer, config.tokenSigningAlg, clock.now());
    const keys = await openKeyStore({ db, provider: storage.provider, sealer, clock, alg: config.tokenSigningAlg, refreshMs: config.keyRefreshMs });
    const apps = await openCachedApps({ db, refreshMs: config.appRefreshMs, maxEntries: APP_CACHE_ENTRIES });
    return { defaultTenant, keys, sealer, apps, sealed };
  } catch (error) {
    if (error instanceof SealError) {
      throw new BootstrapError(`KEYSTATE_MASTER_KEY does not open this database's keys: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
