import { TOTP_METHOD } from '../../machines/totp.machine.js';
import type { Config } from '../config.js';
import { acceptOrThrow } from '../engine/answer.js';
import type { Runner } from '../engine/runner.js';
import { AuthError } from '../errors.js';
import type { TokenResponse } from '../flows/token-results.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import type { AppRecord } from '../repositories/app-repository.js';
import type { IdentifierType } from '../repositories/user-repository.js';
import type { SecretHasher } from '../secrets/secret-hasher.js';
import type { Sessions } from '../sessions/session-machine.js';
import type { Storage } from '../storage/prisma.js';
import type { ClaimsRequest } from '../tokens/claims.js';
import { findLoginUser } from '../users/login-user.js';
import type { TotpTypes } from './definitions.js';
import { credentialLoginFacts, refuseNobody } from './login-facts.js';
import type { TotpCredentials } from './totp-credentials.js';
import { totpLoginPolicy } from './totp-policy.js';

// POST /cis/v1/auth/totp/authenticate (mosaic-backend-api.md §2.11.1): load the facts (the user,
// the live authenticator, the session named, the app's TOTP policy), count the request against its
// limit, hand them to the TOTP machine, answer what its state says. Alone it logs in; with a
// session_id it is a second factor of that session.

export interface AuthenticateTotpRequest {
  readonly token: string;
  readonly identifierType: IdentifierType;
  readonly identifier: string;
  readonly sessionId: string | null;
  readonly resource: string | null;
  readonly claims: ClaimsRequest | null;
}

export interface TotpLogin {
  authenticate(app: AppRecord, request: AuthenticateTotpRequest): Promise<TokenResponse>;
}

export function createTotpLogin(deps: {
  storage: Storage;
  runner: Runner;
  hasher: SecretHasher;
  sessions: Sessions;
  totp: TotpCredentials;
  limiter: RateLimiter;
  limits: Config['rateLimits'];
}): TotpLogin {
  const { storage, runner, totp } = deps;
  return {
    async authenticate(app, request) {
      if (request.resource !== null && !app.resources.includes(request.resource)) throw new AuthError('RESOURCE_NOT_ALLOWED');
      const found = await findLoginUser({ db: storage.db, limiter: deps.limiter }, app, { type: request.identifierType, identifier: request.identifier, bucket: 'totp-authenticate', limit: deps.limits.authenticate });
      // An unknown user and a user without an authenticator answer alike: nothing to enumerate.
      if (found === null) return refuseNobody(request.sessionId, 'OTP_INVALID_CREDENTIALS');
      const { user } = found;
      const results: TotpTypes['request']['results'] = {};
      const answer = await runner.transaction(async (steps) => {
        const facts = await credentialLoginFacts<TotpTypes>(steps, deps, { app, userId: user.id, kind: 'totp', method: TOTP_METHOD, sessionId: request.sessionId });
        if (facts === null) return null;
        const { credential, named } = facts;
        const event = { type: 'totp.submit', session: named?.verdict ?? null, policy: totpLoginPolicy(app) } as const;
        const step = await steps.send(totp, credential, event, { app, proof: request.token, authentication: { user, session: named?.session ?? null, resource: request.resource, claims: request.claims }, results });
        return step.answer;
      });
      if (answer === null) throw new AuthError('OTP_INVALID_CREDENTIALS');
      acceptOrThrow(answer);
      if (results.tokens === undefined) throw new AuthError('OTP_INVALID_CREDENTIALS');
      return results.tokens;
    },
  };
}
