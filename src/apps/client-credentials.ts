import { AuthError } from '../errors.js';
import { isResourceRefused } from '../../machines/shared/facts.js';
import { type AppRecord, findAppByClientId, findAppById, rehashClientSecret } from '../repositories/app-repository.js';
import type { SecretHasher } from '../secrets/secret-hasher.js';
import type { Db } from '../storage/prisma.js';
import type { TokenService } from '../tokens/token-service.js';
import type { AppCache } from './app-cache.js';
import { clientSecretHashOf } from './client-secret.js';

// The client-credentials grant and the caller of every /cis/v1 request (the app its client token
// speaks for), through the app cache: a secret or token newer than the cached app reads it again.

export interface ClientCredentialsDeps {
  readonly db: Db;
  readonly hasher: SecretHasher;
  readonly tokens: TokenService;
  readonly cache: AppCache;
}

export interface ClientCredentials {
  /** client_credentials grant: the secret is compared in constant time against its stored HMAC. */
  issueClientToken(clientId: string, clientSecret: string, resource: string | null): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number; scope: string }>;
  /** The app a client access token speaks for (cached): a deleted app, another tenant or a token
   * from before the last secret rotation is TOKEN_INVALID. */
  authorizeCaller(token: string): Promise<AppRecord>;
}

export function createClientCredentials(deps: ClientCredentialsDeps): ClientCredentials {
  const { db, hasher, tokens, cache } = deps;
  const load = (appId: string) => findAppById(db, appId);
  const loadByClientId = (clientId: string) => findAppByClientId(db, clientId);

  return {
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
      // The one allow-list rule every login's machine judges (machines/shared/facts.ts); a client
      // token is no flow (one request, no state to keep), so it asks the same pure rule directly.
      if (isResourceRefused({ resource, allowedResources: app.resources })) {
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
