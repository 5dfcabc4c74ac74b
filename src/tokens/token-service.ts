import { createHash } from 'node:crypto';
import type { JWTPayload } from 'jose';
import type { Clock } from '../clock.js';
import { toSeconds } from '../clock.js';
import { AuthError } from '../errors.js';
import { amrOf, requestedClaims } from './claims.js';
import type { UserClaimsSource, UserGrant } from '../model/claims.js';
import type { KeyStore } from '../keys/key-store.js';
import { oldestKey } from '../fields.js';
import { createJwtCodec } from './jwt-codec.js';

// Signs and verifies every JWT this server issues. One algorithm signs (TOKEN_SIGNING_ALG), every
// token carries `kid`, `iss`, `iat`, `exp` and `jti`, and verification pins algorithm, issuer,
// type and the injected clock.

const ACCESS_TOKEN_TTL_SECONDS = 3600;
const ID_TOKEN_TTL_SECONDS = 3600;
const CLIENT_TOKEN_TTL_SECONDS = 3600;
const DEFAULT_AUDIENCE = 'userid-api';
/** Client access tokens carry their own `typ`, so a user's access token can never pass as one. */
const CLIENT_TOKEN_TYP = 'client+jwt';
const USER_ACCESS_TOKEN_TYP = 'at+jwt';

interface AppIdentity {
  readonly id: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly name: string;
}

/** The claim that carries the app's secret version: rotating the secret retires every earlier token. */
const SECRET_VERSION_CLAIM = 'sv';
/** The claim that names a user access token's session (OIDC's `sid`): the session's internal id,
 * never the public session_id (a bearer secret, stored only hashed). Our own endpoints accept a
 * user token only while that session stands (src/flows/session/token-session.ts). */
const SESSION_CLAIM = 'sid';

/** Who is calling a /cis/v1 endpoint, as proven by its client access token. */
interface ClientPrincipal {
  readonly appId: string;
  readonly tenantId: string;
  readonly clientId: string;
  /** The app's secret version when the token was issued. */
  readonly secretVersion: number;
  /** When the token expires (ms since epoch). */
  readonly expiresAt: number;
}

/** Client tokens kept verified, at most (each is checked again once it leaves). */
const VERIFIED_CLIENT_TOKENS = 5000;

interface UserTokens {
  readonly accessToken: string;
  readonly idToken: string;
  readonly expiresIn: number;
}

/** The payloads of a user token set, claims resolved, not yet signed. */
export interface PreparedUserTokens {
  readonly access: JWTPayload;
  readonly id: JWTPayload;
}

export interface UserPrincipal {
  readonly userId: string;
  readonly appId: string;
  readonly tenantId: string;
  /** The internal id of the session the token was issued in. */
  readonly sessionId: string;
}

export interface TokenService {
  issueClientToken(app: AppIdentity & { readonly secretVersion: number }, resource: string | null): Promise<{ accessToken: string; expiresIn: number; scope: string }>;
  verifyClientToken(token: string): Promise<ClientPrincipal>;
  /** A user's access token this server issued (authenticator registration): who, for which app, in
   * which session (a token naming none, issued before tokens named it, is refused). Whether that
   * session still stands is the caller's question to the session machine. */
  verifyUserAccessToken(token: string): Promise<UserPrincipal>;
  /** Resolves every claim of a user token set, without signing. Use cases call it inside their
   * transaction: a claims request that cannot be served fails there, before anything commits.
   * `sessionId` is the internal id of the session the set is issued in (null only for a refresh
   * family stored without one: its access tokens then call none of our user endpoints). */
  prepareUserTokens(app: AppIdentity, user: UserClaimsSource, grant: UserGrant, sessionId: string | null): PreparedUserTokens;
  signUserTokens(prepared: PreparedUserTokens): Promise<UserTokens>;
  jwks(): { readonly keys: readonly object[] };
  readonly algorithm: string;
}

export function createTokenService(deps: { issuer: string; clock: Clock; keys: Pick<KeyStore, 'signing' | 'refreshIfIdle'> }): TokenService {
  const { issuer, clock, keys } = deps;
  const { sign, verifyJwt } = createJwtCodec({ issuer, clock, keys });

  return {
    get algorithm() {
      return keys.signing().signerAt(clock.now()).alg;
    },

    async issueClientToken(app, resource) {
      const accessToken = await sign(clientTokenClaims(app, resource), CLIENT_TOKEN_TYP, CLIENT_TOKEN_TTL_SECONDS);
      return { accessToken, expiresIn: CLIENT_TOKEN_TTL_SECONDS, scope: CLIENT_TOKEN_SCOPE };
    },

    verifyClientToken: clientTokenVerifier(clock, verifyJwt),

    async verifyUserAccessToken(token) {
      const { sub: userId, app_id: appId, tid: tenantId, [SESSION_CLAIM]: sessionId } = await verifyJwt(token, USER_ACCESS_TOKEN_TYP, ['exp', 'iat', 'sub', 'app_id', 'tid', SESSION_CLAIM]);
      if (typeof userId !== 'string' || typeof appId !== 'string' || typeof tenantId !== 'string' || typeof sessionId !== 'string') throw invalidClaims();
      return { userId, appId, tenantId, sessionId };
    },

    prepareUserTokens: userTokenPayloads,

    async signUserTokens(prepared) {
      // Both tokens of a set come from one key, so at_hash is computed for the right algorithm.
      const signer = keys.signing().signerAt(clock.now());
      const accessToken = await sign(prepared.access, USER_ACCESS_TOKEN_TYP, ACCESS_TOKEN_TTL_SECONDS, signer);
      const idToken = await sign({ ...prepared.id, at_hash: atHash(accessToken, signer.alg) }, 'JWT', ID_TOKEN_TTL_SECONDS, signer);
      return { accessToken, idToken, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
    },

    jwks: () => keys.signing().jwksAt(clock.now()),
  };
}

const CLIENT_TOKEN_SCOPE = 'openid offline_access';

function clientTokenClaims(app: AppIdentity & { readonly secretVersion: number }, resource: string | null): JWTPayload {
  return {
    sub: app.clientId,
    aud: resource ?? DEFAULT_AUDIENCE,
    client_id: app.clientId,
    app_id: app.id,
    app_name: app.name,
    tid: app.tenantId,
    scope: CLIENT_TOKEN_SCOPE,
    roles: [],
    [SECRET_VERSION_CLAIM]: app.secretVersion,
  };
}

/** A client token is verified once, then recognised by its exact text until it expires: apps send
 * the same token on every call for an hour, and its signature cannot change. What may change (a
 * secret rotation) is checked on every request against the caller's app, not here. */
function clientTokenVerifier(clock: Clock, verifyJwt: JwtCodec['verifyJwt']): TokenService['verifyClientToken'] {
  const verified = new Map<string, ClientPrincipal>();
  return async (token) => {
    const known = verified.get(token);
    if (known !== undefined && known.expiresAt > clock.now()) return known;
    verified.delete(token);
    const principal = clientPrincipalOf(await verifyJwt(token, CLIENT_TOKEN_TYP, ['exp', 'iat', 'client_id', 'app_id', 'tid']));
    if (verified.size >= VERIFIED_CLIENT_TOKENS) verified.delete(oldestKey(verified) ?? '');
    verified.set(token, principal);
    return principal;
  };
}

type JwtCodec = ReturnType<typeof createJwtCodec>;

const invalidClaims = () => new AuthError('TOKEN_INVALID', { details: { reason: 'claims' } });

/** The caller a verified client token names; its claims are checked, not trusted. */
function clientPrincipalOf(payload: JWTPayload): ClientPrincipal {
  const { app_id: appId, tid: tenantId, client_id: clientId, [SECRET_VERSION_CLAIM]: secretVersion = 1 } = payload;
  if (typeof appId !== 'string' || typeof tenantId !== 'string' || typeof clientId !== 'string' || payload.sub !== clientId) throw invalidClaims();
  if (typeof secretVersion !== 'number' || !Number.isInteger(secretVersion)) throw invalidClaims();
  return { appId, tenantId, clientId, secretVersion, expiresAt: (payload.exp ?? 0) * 1000 };
}

/** The claims of a user's access and ID tokens (signed later, in one go: signUserTokens). */
function userTokenPayloads(app: AppIdentity, user: UserClaimsSource, grant: UserGrant, sessionId: string | null): PreparedUserTokens {
  return {
    access: {
      sub: user.id,
      ...(sessionId === null ? {} : { [SESSION_CLAIM]: sessionId }),
      aud: grant.resource ?? DEFAULT_AUDIENCE,
      scope: 'openid offline_access',
      roles: [],
      tid: app.tenantId,
      client_id: app.clientId,
      app_id: app.id,
      app_name: app.name,
      ...requestedClaims(user, grant.claims?.access_token),
    },
    id: {
      ...requestedClaims(user, grant.claims?.id_token),
      sub: user.id,
      tid: app.tenantId,
      aud: app.clientId,
      auth_time: toSeconds(grant.authTime),
      amr: amrOf(grant.methods),
      ...(grant.approvalData ? { approval_data: grant.approvalData } : {}),
    },
  };
}

/** OIDC Core §3.1.3.6: left half of the hash of the access token (SHA-512 for Ed25519). */
function atHash(accessToken: string, alg: string): string {
  const digest = createHash(alg === 'EdDSA' ? 'sha512' : 'sha256')
    .update(accessToken, 'ascii')
    .digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
