import { clientSecretHashOf } from './apps/client-secret.js';
import type { RelyingParty } from './model/relying-party.js';
import type { Bootstrapped } from './bootstrap.js';
import { countApps, insertApp } from './repositories/app-repository.js';
import { newId, newSecret } from './secrets/random.js';
import type { Storage } from './storage/prisma.js';

// First development start on an empty database: a ready app, so a newcomer can call the API at
// once (keystate-server.md §4). Its secret is returned to be printed once and never stored.

export const DEV_APP_REDIRECT_URI = 'http://localhost:3000/verify';

/** Passkeys on `localhost`: the app's own pages (the redirect URI's origin) and the server's, where
 * the development sample page runs, when the server is reached as localhost. */
function devRelyingParty(publicUrl: string): RelyingParty {
  const server = new URL(publicUrl);
  const origins = [new URL(DEV_APP_REDIRECT_URI).origin];
  if (server.hostname === 'localhost' && !origins.includes(server.origin)) origins.push(server.origin);
  return { rpId: 'localhost', origins };
}

export async function createDevAppIfEmpty(storage: Storage, boot: Bootstrapped, publicUrl: string): Promise<{ clientId: string; clientSecret: string; appId: string } | null> {
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
    webauthn: devRelyingParty(publicUrl),
  });
  return { clientId: app.clientId, clientSecret, appId: app.id };
}
