import { TOTP_METHOD } from '../../../machines/totp.machine.js';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { acceptOrThrow } from '../../engine/answer.js';
import type { RegisteredMachine } from '../../engine/definition.js';
import type { Runner } from '../../engine/runner.js';
import { AuthError } from '../../errors.js';
import { signTokens, type TokenResponse } from '../session/token-results.js';
import { postLogin, type PostLoginDeps } from '../session/post-login.js';
import type { RateLimiter } from '../../limits/rate-limiter.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import type { IdentifierType } from '../../repositories/user-repository.js';
import type { Storage } from '../../storage/prisma.js';
import type { ClaimsRequest } from '../../model/claims.js';
import { findLoginSubject } from '../../users/login-user.js';
import type { Shadowed } from '../../credentials/credential-types.js';
import { type TotpTypes, totpDefinition } from './definition.js';
import { credentialLoginFacts, NOBODY } from '../../credentials/login-facts.js';
import { sessionForFactor } from '../session/named-session.js';
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

export function createTotpLogin(
  deps: PostLoginDeps & {
    storage: Storage;
    runner: Runner;
    totp: TotpCredentials;
    /** The stand-ins answering for authenticators nobody holds. */
    standIns: RegisteredMachine<Shadowed<TotpTypes>>;
    clock: Clock;
    limiter: RateLimiter;
    limits: Config['rateLimits'];
    /** Refusals answer no sooner than this (./refusal-floor.ts). */
    floor: RefusalFloor;
  },
): TotpLogin {
  const { storage, runner, totp } = deps;
  const login: TotpLogin = {
    async authenticate(app, request) {
      const { user, countedAs } = await findLoginSubject({ db: storage.db, limiter: deps.limiter }, app, {
        type: request.identifierType,
        identifier: request.identifier,
        bucket: 'totp-authenticate',
        limit: deps.limits.authenticate,
      });
      const login = await runner.transaction(async (steps) => {
        const standInInput = { userId: user?.id ?? NOBODY, registeredAt: deps.clock.now(), userStatus: 'Active' } as const;
        const { slot } = await credentialLoginFacts(steps, { app, user, countedAs, kind: 'totp', machine: totpDefinition, standIns: deps.standIns, standInInput });
        const named = request.sessionId === null ? null : await sessionForFactor(steps, deps, { app, sessionId: request.sessionId, userId: user?.id ?? NOBODY, method: TOTP_METHOD });
        const event = {
          type: 'totp.submit',
          session: named?.verdict ?? null,
          policy: totpLoginPolicy(app),
          resource: request.resource,
          allowedResources: app.resources,
          userStatus: user?.status ?? 'Active',
        } as const;
        const proven = { app, proof: request.token };
        if (slot.kind === 'standIn') return { answer: (await steps.send(deps.standIns, slot.instance, event, proven)).answer, ready: null };
        const authentication = { user: slot.user, session: named?.session ?? null, resource: request.resource, claims: request.claims };
        const step = await steps.send(totp, slot.instance, event, { ...proven, authentication });
        // The verdict goes to the session flow in this same transaction (a failed session step
        // leaves the code unspent).
        const verdict = step.outputs.recordAuthentication;
        return { answer: step.answer, ready: verdict === undefined ? null : await postLogin(steps, deps, { app, authentication, verdict }) };
      });
      acceptOrThrow(login.answer);
      if (login.ready === null) throw new AuthError('OTP_INVALID_CREDENTIALS');
      return signTokens(deps.tokens, login.ready);
    },
  };
  return { authenticate: (app, request) => deps.floor(() => login.authenticate(app, request)) };
}
