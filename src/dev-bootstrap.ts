import { clientSecretHashOf } from './apps/client-secret.js';
import type { Bootstrapped } from './bootstrap.js';
import { countApps, insertApp } from './repositories/app-repository.js';
import { newId, newSecret } from './secrets/random.js';
import type { Storage } from './storage/prisma.js';

// First development start on an empty database: a ready app, so a newcomer can call the API at
// once (keystate-server.md §4). Its secret is returned to be printed once and never stored.

export const DEV_APP_REDIRECT_URI = 'http://localhost:3000/verify';

export async function createDevAppIfEmpty(storage: Storage, boot: Bootstrapped): Promise<{ clientId: string; clientSecret: string; appId: string } | null> {
  if ((await countApps(storage.db)) > 0) return null;
  const clientSecret = newSecret();
  const app = await insertApp(storage.db, {
    id: newId(),
    tenantId: boot.defaultTenant.id,
    name: 'Dev App',
    clientId: newId(),
    ...clientSecretHashOf(boot.keys.hasher, clientSecret),
    redirectUris: [DEV_APP_REDIRECT_URI],
    resources: [],
    loginPreferences: {},
  });
  return { clientId: app.clientId, clientSecret, appId: app.id };
}
