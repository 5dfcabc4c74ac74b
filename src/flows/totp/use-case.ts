import { TOTP_METHOD } from '../../../machines/totp.machine.js';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { acceptOrThrow } from '../../engine/answer.js';
import type { RegisteredMachine, TxSteps } from '../../engine/definition.js';
import type { Runner } from '../../engine/runner.js';
import { AuthError } from '../../errors.js';
import { signTokens, type TokenResponse } from '../session/token-results.js';
import { type FactorStep, type PostLoginDeps, postLoginSink, type VerdictSink } from '../session/post-login.js';
import type { RateLimiter } from '../../limits/rate-limiter.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import type { IdentifierType, UserRecord } from '../../repositories/user-repository.js';
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

/** A TOTP code for the subject its request named (found, and counted against its limit). */
interface TotpProof {
  readonly app: AppRecord;
  readonly subject: { readonly user: UserRecord | null; readonly countedAs: string };
  readonly request: AuthenticateTotpRequest;
}

export interface TotpLogin {
  authenticate(app: AppRecord, request: AuthenticateTotpRequest): Promise<TokenResponse>;
  /** The factor's step in the caller's transaction, its outcome handed to the caller's sink; the
   * caller answers its refusals, no sooner than the refusal floor. */
  step<R>(steps: TxSteps, login: TotpProof, sink: VerdictSink<R>): Promise<FactorStep<R>>;
}

type TotpLoginDeps = PostLoginDeps & {
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
};

/** The TOTP factor's step, in its caller's transaction, for the subject the request named (found
 * and counted): the user's authenticator, or a stand-in, judges the code, and the outcome goes to
 * `sink` (the verdict goes to the session flow in this same transaction: a failed session step
 * leaves the code unspent). */
async function verifyTotp<R>(steps: TxSteps, deps: TotpLoginDeps, login: TotpProof, sink: VerdictSink<R>): Promise<FactorStep<R>> {
  const { app, request } = login;
  const { user, countedAs } = login.subject;
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
  if (slot.kind === 'standIn') {
    const step = await steps.send(deps.standIns, slot.instance, event, proven);
    const outcome = { factor: 'totp', state: step.state, app, id: step.id, answer: step.answer, verdict: null, authentication: null } as const;
    return { answer: step.answer, result: await sink(steps, outcome) };
  }
  const authentication = { user: slot.user, session: named?.session ?? null, resource: request.resource, claims: request.claims };
  const step = await steps.send(deps.totp, slot.instance, event, { ...proven, authentication });
  const verdict = step.outputs.recordAuthentication ?? null;
  const outcome = { factor: 'totp', state: step.state, app, id: step.id, answer: step.answer, verdict, authentication } as const;
  return { answer: step.answer, result: await sink(steps, outcome) };
}

export function createTotpLogin(deps: TotpLoginDeps): TotpLogin {
  const toSession = postLoginSink(deps);
  const authenticate = async (app: AppRecord, request: AuthenticateTotpRequest): Promise<TokenResponse> => {
    const subject = await findLoginSubject({ db: deps.storage.db, limiter: deps.limiter }, app, {
      type: request.identifierType,
      identifier: request.identifier,
      bucket: 'totp-authenticate',
      limit: deps.limits.authenticate,
    });
    const login = await deps.runner.transaction((steps) => verifyTotp(steps, deps, { app, subject, request }, toSession));
    acceptOrThrow(login.answer);
    if (login.result === null) throw new AuthError('OTP_INVALID_CREDENTIALS');
    return signTokens(deps.tokens, login.result);
  };
  return {
    authenticate: (app, request) => deps.floor(() => authenticate(app, request)),
    step: (steps, login, sink) => verifyTotp(steps, deps, login, sink),
  };
}
