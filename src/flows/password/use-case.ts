import { PASSWORD_METHOD } from '../../../machines/password.machine.js';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { acceptOrThrow } from '../../engine/answer.js';
import type { RegisteredMachine, Step, TxSteps } from '../../engine/definition.js';
import type { Runner } from '../../engine/runner.js';
import { AuthError } from '../../errors.js';
import { signTokens, type TokenResponse } from '../session/token-results.js';
import { type AuthenticationRequest, type FactorStep, type PostLoginDeps, postLoginSink, type VerdictSink } from '../session/post-login.js';
import type { RateLimiter } from '../../limits/rate-limiter.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import type { Storage } from '../../storage/prisma.js';
import type { ClaimsRequest } from '../../model/claims.js';
import { findLoginSubject } from '../../users/login-user.js';
import type { Argon2Gate } from '../../credentials/argon2-gate.js';
import type { Shadowed } from '../../credentials/credential-types.js';
import { type PasswordTypes, passwordDefinition } from './definition.js';
import { credentialLoginFacts, NOBODY } from '../../credentials/login-facts.js';
import { sessionForFactor } from '../session/named-session.js';
import type { PasswordCredentials } from './effects.js';
import type { RefusalFloor } from '../../credentials/refusal-floor.js';
import { passwordLoginPolicy } from './policy.js';

// POST /cis/v1/auth/password/authenticate (mosaic-backend-api.md §2.10): load the facts (the user,
// their password credential for the app, the session named, the app's password policy), count the
// request against its limit, hand them to the password machine, answer what its state says. The
// machine counts the attempt (committed) before the comparison runs; alone the login opens a
// session, with a session_id it is a factor of that session. A login for nobody, or for a user
// without a password, is handed to a stand-in of the same machine (login-facts.ts): the same
// statements, the same Argon2id work, the same answers, through a lockout too.

type UsernameType = 'username' | 'email' | 'phone_number';

interface AuthenticatePasswordRequest {
  readonly username: string;
  readonly usernameType: UsernameType;
  readonly password: string;
  readonly sessionId: string | null;
  readonly resource: string | null;
  readonly claims: ClaimsRequest | null;
  /** Fires when the client has gone: a login still waiting for Argon2 leaves the queue. */
  readonly abandoned?: AbortSignal;
}

export interface PasswordLogin {
  authenticate(app: AppRecord, request: AuthenticatePasswordRequest): Promise<TokenResponse>;
  /** The factor's step (its two transactions) in the Argon2 gate, its outcomes handed to the
   * caller's sink; the caller answers its refusals, no sooner than the refusal floor. */
  step<R>(app: AppRecord, request: AuthenticatePasswordRequest, sink: VerdictSink<R>): Promise<FactorStep<R>>;
}

/** A login's counted attempt: on the user's credential (with what the post-login step needs) or on a stand-in. */
type Counted =
  | { readonly kind: 'credential'; readonly step: Step<PasswordTypes>; readonly authentication: AuthenticationRequest }
  | { readonly kind: 'standIn'; readonly step: Step<Shadowed<PasswordTypes>> };

const raise = (error: Error): never => {
  throw error;
};

type PasswordLoginDeps = PostLoginDeps & {
  storage: Storage;
  runner: Runner;
  passwords: PasswordCredentials;
  /** The stand-ins answering for passwords nobody holds. */
  standIns: RegisteredMachine<Shadowed<PasswordTypes>>;
  clock: Clock;
  limiter: RateLimiter;
  limits: Config['rateLimits'];
  gate: Argon2Gate;
  floor: RefusalFloor;
};

/** Hands a password step's outcome (the credential's or its stand-in's) to the sink, in the
 * transaction that step ran in. */
async function handOver<R>(
  steps: TxSteps,
  sink: VerdictSink<R>,
  app: AppRecord,
  step: Step<PasswordTypes> | Step<Shadowed<PasswordTypes>>,
  authentication: AuthenticationRequest | null,
): Promise<FactorStep<R>> {
  const verdict = step.outputs.recordAuthentication ?? null;
  return { answer: step.answer, result: await sink(steps, { factor: 'password', state: step.state, app, id: step.id, answer: step.answer, verdict, authentication }) };
}

/** The login's first step: the attempt counted (and committed) before the comparison runs. The
 * sink is told where it rests (`active.verifying` while the comparison is pending). */
async function count<R>(deps: PasswordLoginDeps, app: AppRecord, request: AuthenticatePasswordRequest, sink: VerdictSink<R>): Promise<{ counted: Counted; handed: FactorStep<R> }> {
  const { storage, runner, passwords } = deps;
  const { user, countedAs } = await findLoginSubject({ db: storage.db, limiter: deps.limiter }, app, {
    type: request.usernameType,
    identifier: request.username,
    bucket: 'password-authenticate',
    limit: deps.limits.authenticate,
  });
  return runner.transaction(async (steps) => {
    const standInInput = { userId: user?.id ?? NOBODY, setAt: deps.clock.now(), temporary: false };
    const { slot } = await credentialLoginFacts(steps, { app, user, countedAs, kind: 'password', machine: passwordDefinition, standIns: deps.standIns, standInInput });
    const named = request.sessionId === null ? null : await sessionForFactor(steps, deps, { app, sessionId: request.sessionId, userId: user?.id ?? NOBODY, method: PASSWORD_METHOD });
    const event = { type: 'password.submit', session: named?.verdict ?? null, policy: passwordLoginPolicy(app), resource: request.resource, allowedResources: app.resources } as const;
    const login = { app, proof: request.password, hashing: {} };
    if (slot.kind === 'standIn') {
      const step = await steps.send(deps.standIns, slot.instance, event, login);
      return { counted: { kind: 'standIn', step }, handed: await handOver(steps, sink, app, step, null) };
    }
    // The verdict, and the factor's recording, come after this transaction commits: the session
    // is loaded again then (`instance: null`), as it may have changed meanwhile.
    const session = named?.session == null ? null : { publicId: named.session.publicId, instance: null };
    const authentication = { user: slot.user, session, resource: request.resource, claims: request.claims };
    const step = await steps.send(passwords, slot.instance, event, { ...login, authentication });
    return { counted: { kind: 'credential', step, authentication }, handed: await handOver(steps, sink, app, step, authentication) };
  });
}

/** The comparison's verdict, taken as the next step of the reloaded credential (or stand-in),
 * handed to `sink` in the same transaction; null when the attempt asked for no comparison. */
async function settle<R>(deps: PasswordLoginDeps, app: AppRecord, counted: Counted, sink: VerdictSink<R>): Promise<FactorStep<R> | null> {
  const { runner, passwords } = deps;
  const compared = counted.step.outputs.comparePassword;
  if (compared === undefined) return null;
  const hashing = compared.rehashed === null ? {} : { hash: compared.rehashed };
  return runner.transaction(async (steps) => {
    const gone = () => new AuthError('FLOW_NOT_FOUND', { details: { instanceId: counted.step.id } });
    if (counted.kind === 'standIn') {
      const instance = (await deps.standIns.store.reload(steps, counted.step.id)) ?? raise(gone());
      // A stand-in answers for nobody: never disabled (and its comparison never matches).
      const event = compared.event.type === 'password.matched' ? { ...compared.event, userStatus: 'Active' as const } : compared.event;
      return handOver(steps, sink, app, await steps.send(deps.standIns, instance, event, { app, hashing }), null);
    }
    const instance = (await passwords.store.reload(steps, counted.step.id)) ?? raise(gone());
    const { authentication } = counted;
    // The user's status is a fact of the verdict: the machine judges it (a disabled user's right password logs nobody in).
    const event = compared.event.type === 'password.matched' ? { ...compared.event, userStatus: authentication.user.status } : compared.event;
    return handOver(steps, sink, app, await steps.send(passwords, instance, event, { app, hashing, authentication }), authentication);
  });
}

/** The password factor's step: the attempt counted (and committed), the password compared, and
 * the verdict handed to `sink` in the comparison's transaction. The sink is told each of the
 * factor's steps in the transaction it ran in (the count's, then the comparison's when one was
 * asked for); the last one's answer and result come back. Callers run it inside the Argon2 gate
 * and the refusal floor, as the login below does. */
async function passwordStep<R>(deps: PasswordLoginDeps, app: AppRecord, request: AuthenticatePasswordRequest, sink: VerdictSink<R>): Promise<FactorStep<R>> {
  const { counted, handed } = await count(deps, app, request, sink);
  return (await settle(deps, app, counted, sink)) ?? handed;
}

export function createPasswordLogin(deps: PasswordLoginDeps): PasswordLogin {
  const toSession = postLoginSink(deps);
  const authenticate = async (app: AppRecord, request: AuthenticatePasswordRequest): Promise<TokenResponse> => {
    const { answer, result } = await passwordStep(deps, app, request, toSession);
    acceptOrThrow(answer);
    if (result === null) throw new AuthError('PASSWORD_INVALID_CREDENTIALS');
    return signTokens(deps.tokens, result);
  };
  return {
    // Argon2 work is bounded (./argon2-gate.ts): the slot is taken before anything is looked up or
    // counted, so a login turned away changes nothing and looks the same whoever it names; it is
    // held through the comparison.
    // A refusal answers no sooner than the floor (./refusal-floor.ts), outside the slot: waiting
    // for it takes no Argon2 turn.
    authenticate: (app, request) => deps.floor(() => deps.gate.run(app.id, () => authenticate(app, request), request.abandoned)),
    step: (app, request, sink) => deps.gate.run(app.id, () => passwordStep(deps, app, request, sink), request.abandoned),
  };
}
