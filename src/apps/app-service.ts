import { AuthError } from '../errors.js';
import { type AppRecord, bumpAppRevision, findAppById, insertApp, type LoginPreferences, replaceClientSecret, updateApp } from '../repositories/app-repository.js';
import { findTenantById, insertTenant, type TenantRecord } from '../repositories/tenant-repository.js';
import { newId, newSecret } from '../secrets/random.js';
import type { SecretHasher } from '../secrets/secret-hasher.js';
import type { Storage, Tx } from '../storage/prisma.js';
import type { TokenService } from '../tokens/token-service.js';
import type { AppCache } from './app-cache.js';
import type { RelyingParty, UserVerification } from '../model/relying-party.js';
import { clientSecretHashOf } from './client-secret.js';
import { type ClientCredentials, createClientCredentials } from './client-credentials.js';

// Tenants, apps and their OIDC clients (keystate-server.md §4), the client-credentials grant, and
// the caller of every /cis/v1 request: the app its client token speaks for.

type AppView = {
  readonly app_id: string;
  readonly tenant_id: string;
  readonly name: string;
  readonly client_id: string;
  readonly redirect_uris: readonly string[];
  readonly resources: readonly string[];
  readonly login_preferences: LoginPreferences;
  readonly webauthn: { readonly rp_id: string; readonly origins: readonly string[]; readonly user_verification: UserVerification } | null;
};

interface NewApp {
  readonly name: string;
  readonly redirectUris: readonly string[];
  readonly tenantId: string | null;
  readonly resources: readonly string[];
  readonly loginPreferences: LoginPreferences;
  readonly webauthn: RelyingParty | null;
}

export interface AppService extends ClientCredentials {
  createTenant(name: string): Promise<TenantRecord>;
  createApp(app: NewApp): Promise<AppView & { client_secret: string }>;
  getApp(appId: string): Promise<AppView>;
  updateApp(appId: string, changes: Partial<Omit<NewApp, 'tenantId'>>): Promise<AppView>;
  /** A new secret; client tokens issued under the old one stop working at once on this instance,
   * and on every other one when it next reads the apps' revision (app-revision.ts). */
  rotateSecret(appId: string): Promise<{ client_secret: string }>;
}

const view = (app: AppRecord): AppView => ({
  app_id: app.id,
  tenant_id: app.tenantId,
  name: app.name,
  client_id: app.clientId,
  redirect_uris: app.redirectUris,
  resources: app.resources,
  login_preferences: app.loginPreferences,
  webauthn: app.webauthn === null ? null : { rp_id: app.webauthn.rpId, origins: app.webauthn.origins, user_verification: app.webauthn.userVerification ?? 'preferred' },
});

type Db = Storage['db'];

/** An admin change: written with a bump of the apps' revision, so every instance drops the app. */
async function changeApp(db: Db, cache: AppCache, appId: string, change: (tx: Tx) => Promise<AppRecord | null>): Promise<AppRecord> {
  const app = await db.$transaction(async (tx) => {
    const changed = await change(tx);
    if (changed !== null) await bumpAppRevision(tx);
    return changed;
  });
  cache.invalidate(appId);
  if (app === null) throw new AuthError('APP_NOT_FOUND');
  return app;
}

async function mustFind(db: Db, appId: string): Promise<AppRecord> {
  const app = await findAppById(db, appId);
  if (app === null) throw new AuthError('APP_NOT_FOUND');
  return app;
}

/** A new app with its OIDC client; the secret is answered once and kept only as its hash. */
async function createApp(db: Db, hasher: SecretHasher, defaultTenantId: string, input: NewApp): Promise<AppView & { client_secret: string }> {
  const tenantId = input.tenantId ?? defaultTenantId;
  if ((await findTenantById(db, tenantId)) === null) throw new AuthError('TENANT_NOT_FOUND');
  const clientSecret = newSecret();
  const app = await insertApp(db, {
    id: newId(),
    tenantId,
    name: input.name,
    clientId: newId(),
    ...clientSecretHashOf(hasher, clientSecret),
    redirectUris: input.redirectUris,
    resources: input.resources,
    loginPreferences: input.loginPreferences,
    webauthn: input.webauthn,
  });
  return { ...view(app), client_secret: clientSecret };
}

export function createAppService(deps: { storage: Storage; hasher: SecretHasher; tokens: TokenService; defaultTenantId: string; cache: AppCache }): AppService {
  const { storage, hasher, tokens, cache } = deps;
  const db = storage.db;

  return {
    async createTenant(name) {
      const tenant = await insertTenant(db, { id: newId(), name });
      if (tenant === null) throw new AuthError('TENANT_EXISTS');
      return tenant;
    },

    createApp: (input) => createApp(db, hasher, deps.defaultTenantId, input),

    async getApp(appId) {
      return view(await mustFind(db, appId));
    },

    async updateApp(appId, changes) {
      return view(await changeApp(db, cache, appId, (tx) => updateApp(tx, appId, changes)));
    },

    async rotateSecret(appId) {
      const clientSecret = newSecret();
      await changeApp(db, cache, appId, (tx) => replaceClientSecret(tx, appId, clientSecretHashOf(hasher, clientSecret)));
      return { client_secret: clientSecret };
    },
    ...createClientCredentials({ db, hasher, tokens, cache }),
  };
}
