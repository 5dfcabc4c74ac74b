import { AuthError } from '../errors.js';
import {
  type AppRecord,
  bumpAppRevision,
  findAppByClientId,
  findAppById,
  insertApp,
  type LoginPreferences,
  rehashClientSecret,
  replaceClientSecret,
  updateApp,
} from '../repositories/app-repository.js';
import { findTenantById, insertTenant, type TenantRecord } from '../repositories/tenant-repository.js';
import { newId, newSecret } from '../secrets/random.js';
import type { SecretHasher } from '../secrets/secret-hasher.js';
import type { Storage, Tx } from '../storage/prisma.js';
import type { TokenService } from '../tokens/token-service.js';
import type { AppCache } from './app-cache.js';
import { clientSecretHashOf } from './client-secret.js';

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
};

interface NewApp {
  readonly name: string;
  readonly redirectUris: readonly string[];
  readonly tenantId: string | null;
  readonly resources: readonly string[];
  readonly loginPreferences: LoginPreferences;
}

export interface AppService {
  createTenant(name: string): Promise<TenantRecord>;
  createApp(app: NewApp): Promise<AppView & { client_secret: string }>;
  getApp(appId: string): Promise<AppView>;
  updateApp(appId: string, changes: Partial<Omit<NewApp, 'tenantId'>>): Promise<AppView>;
  /** A new secret; client tokens issued under the old one stop working at once on this instance,
   * and on every other one when it next reads the apps' revision (app-revision.ts). */
  rotateSecret(appId: string): Promise<{ client_secret: string }>;
  /** client_credentials grant: the secret is compared in constant time against its stored HMAC. */
  issueClientToken(clientId: string, clientSecret: string, resource: string | null): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number; scope: string }>;
  /** The app a client access token speaks for (cached): a deleted app, another tenant or a token
   * from before the last secret rotation is TOKEN_INVALID. */
  authorizeCaller(token: string): Promise<AppRecord>;
}

const view = (app: AppRecord): AppView => ({
  app_id: app.id,
  tenant_id: app.tenantId,
  name: app.name,
  client_id: app.clientId,
  redirect_uris: app.redirectUris,
  resources: app.resources,
  login_preferences: app.loginPreferences,
});

export function createAppService(deps: { storage: Storage; hasher: SecretHasher; tokens: TokenService; defaultTenantId: string; cache: AppCache }): AppService {
  const { storage, hasher, tokens, cache } = deps;
  const db = storage.db;
  const load = (appId: string) => findAppById(db, appId);
  const loadByClientId = (clientId: string) => findAppByClientId(db, clientId);

  /** An admin change: written with a bump of the apps' revision, so every instance drops the app. */
  const changeApp = async (appId: string, change: (tx: Tx) => Promise<AppRecord | null>): Promise<AppRecord> => {
    const app = await db.$transaction(async (tx) => {
      const changed = await change(tx);
      if (changed !== null) await bumpAppRevision(tx);
      return changed;
    });
    cache.invalidate(appId);
    if (app === null) throw new AuthError('APP_NOT_FOUND');
    return app;
  };

  const mustFind = async (appId: string): Promise<AppRecord> => {
    const app = await findAppById(db, appId);
    if (app === null) throw new AuthError('APP_NOT_FOUND');
    return app;
  };

  return {
    async createTenant(name) {
      const tenant = await insertTenant(db, { id: newId(), name });
      if (tenant === null) throw new AuthError('TENANT_EXISTS');
      return tenant;
    },

    async createApp(input) {
      const tenantId = input.tenantId ?? deps.defaultTenantId;
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
      });
      return { ...view(app), client_secret: clientSecret };
    },

    async getApp(appId) {
      return view(await mustFind(appId));
    },

    async updateApp(appId, changes) {
      return view(await changeApp(appId, (tx) => updateApp(tx, appId, changes)));
    },

    async rotateSecret(appId) {
      const clientSecret = newSecret();
      await changeApp(appId, (tx) => replaceClientSecret(tx, appId, clientSecretHashOf(hasher, clientSecret)));
      return { client_secret: clientSecret };
    },

    async issueClientToken(clientId, clientSecret, resource) {
      let app = await cache.getByClientId(clientId, loadByClientId);
      // A secret that does not match the cached app may be one rotated in on another instance
      // since: read the app again once before refusing.
      if (app !== null && !hasher.matches(clientSecret, app.clientSecretHash)) {
        cache.invalidate(app.id);
        app = await cache.getByClientId(clientId, loadByClientId);
      }
      // Unknown client and wrong secret answer alike (RFC 6749 invalid_client).
      if (app === null || !hasher.matches(clientSecret, app.clientSecretHash)) {
        throw new AuthError('CLIENT_AUTH_FAILED', { extraBody: { error: 'invalid_client', error_description: 'Client authentication failed' } });
      }
      if (resource !== null && !app.resources.includes(resource)) {
        throw new AuthError('BAD_REQUEST', { extraBody: { error: 'invalid_target', error_description: 'resource is not configured for this client' } });
      }
      // Hashed under a key that has since rotated out: re-hash now, so that key can be retired.
      if (app.clientSecretKeyId !== hasher.currentKeyId()) {
        await rehashClientSecret(db, app.id, app.clientSecretHash, clientSecretHashOf(hasher, clientSecret));
        cache.invalidate(app.id);
      }
      const token = await tokens.issueClientToken(app, resource);
      return { access_token: token.accessToken, token_type: 'Bearer', expires_in: token.expiresIn, scope: token.scope };
    },

    async authorizeCaller(token) {
      const principal = await tokens.verifyClientToken(token);
      let app = await cache.get(principal.appId, load);
      // A token newer than the cached app: its secret was rotated on another instance since.
      if (app !== null && app.secretVersion < principal.secretVersion) {
        cache.invalidate(app.id);
        app = await cache.get(principal.appId, load);
      }
      if (app === null || app.tenantId !== principal.tenantId) throw new AuthError('TOKEN_INVALID', { details: { reason: 'app' } });
      if (app.secretVersion !== principal.secretVersion) throw new AuthError('TOKEN_INVALID', { details: { reason: 'secret_rotated' } });
      return app;
    },
  };
}
