import { TOTP_METHOD } from '../../../machines/totp.machine.js';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { acceptOrThrow } from '../../engine/answer.js';
import type { RegisteredMachine } from '../../engine/definition.js';
import type { Runner } from '../../engine/runner.js';
import { AuthError } from '../../errors.js';
import type { TokenResponse } from '../session/token-results.js';
import type { RateLimiter } from '../../limits/rate-limiter.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import type { IdentifierType } from '../../repositories/user-repository.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import type { Sessions } from '../session/effects.js';
import type { Storage } from '../../storage/prisma.js';
import type { ClaimsRequest } from '../../tokens/claims.js';
import { findLoginSubject } from '../../users/login-user.js';
import type { Shadowed, TotpTypes } from '../../credentials/definitions.js';
import { credentialLoginFacts, NOBODY } from '../../credentials/login-facts.js';
import type { TotpCredentials } from './effects.js';
import type { RefusalFloor } from '../../credentials/refusal-floor.js';
import { totpLoginPolicy } from './policy.js';

// POST /cis/v1/auth/totp/authenticate (mosaic-backend-api.md §2.11.1): load the facts (the user,
// the live authenticator, the session named, the app's TOTP policy), count the request against its
// limit, hand them to the TOTP machine, answer what its state says. Alone it logs in; with a
// session_id it is a second factor of that session. A login for nobody, or for a user without an
// authenticator, is handed to a stand-in of the same machine (login-facts.ts): the same statements,
// the same comparison work, the same answers, through a lockout too.

interface AuthenticateTotpRequest {
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
  /** The stand-ins answering for authenticators nobody holds. */
  standIns: RegisteredMachine<Shadowed<TotpTypes>>;
  clock: Clock;
  limiter: RateLimiter;
  limits: Config['rateLimits'];
  /** Refusals answer no sooner than this (./refusal-floor.ts). */
  floor: RefusalFloor;
}): TotpLogin {
  const { storage, runner, totp } = deps;
  const login: TotpLogin = {
    async authenticate(app, request) {
      if (request.resource !== null && !app.resources.includes(request.resource)) throw new AuthError('RESOURCE_NOT_ALLOWED');
      const { user, countedAs } = await findLoginSubject({ db: storage.db, limiter: deps.limiter }, app, {
        type: request.identifierType,
        identifier: request.identifier,
        bucket: 'totp-authenticate',
        limit: deps.limits.authenticate,
      });
      const results: TotpTypes['request']['results'] = {};
      const answer = await runner.transaction(async (steps) => {
        const standInInput = { userId: user?.id ?? NOBODY, registeredAt: deps.clock.now() };
        const { slot, named } = await credentialLoginFacts<TotpTypes>(steps, deps, {
          app,
          user,
          countedAs,
          kind: 'totp',
          method: TOTP_METHOD,
          sessionId: request.sessionId,
          standIns: deps.standIns,
          standInInput,
        });
        const event = { type: 'totp.submit', session: named?.verdict ?? null, policy: totpLoginPolicy(app) } as const;
        const login = { app, proof: request.token, results };
        if (slot.kind === 'standIn') return (await steps.send(deps.standIns, slot.instance, event, login)).answer;
        const authentication = { user: slot.user, session: named?.session ?? null, resource: request.resource, claims: request.claims };
        return (await steps.send(totp, slot.instance, event, { ...login, authentication })).answer;
      });
      acceptOrThrow(answer);
      if (results.tokens === undefined) throw new AuthError('OTP_INVALID_CREDENTIALS');
      return results.tokens;
    },
  };
  return { authenticate: (app, request) => deps.floor(() => login.authenticate(app, request)) };
}
