import { OTP_METHOD } from '../../../machines/otp.machine.js';
import type { OtpChannel, OtpInput } from '../../../machines/otp.context.js';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { EmailContent } from '../../delivery/templates/magic-link-email.js';
import { acceptOrThrow } from '../../engine/answer.js';
import type { Runner } from '../../engine/runner.js';
import type { Instance, Step, TxSteps } from '../../engine/definition.js';
import { AuthError } from '../../errors.js';
import type { RateLimiter } from '../../limits/rate-limiter.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import { findLatestFlow } from '../../repositories/flow-repository.js';
import type { IdentifierType } from '../../repositories/user-repository.js';
import { newId } from '../../secrets/random.js';
import { sessionForFactor } from '../session/named-session.js';
import type { Storage } from '../../storage/prisma.js';
import type { ClaimsRequest } from '../../model/claims.js';
import { findLoginUser, type LoginUser } from '../../users/login-user.js';
import { signTokens, type TokenResponse } from '../session/token-results.js';
import { type FactorStep, type PostLoginDeps, postLoginSink, type VerdictSink } from '../session/post-login.js';
import { type OtpFlows, type OtpTypes, otpDefinition } from './effects.js';
import { lockPasscodes, type PasscodeLocks } from './lock.js';
import { otpPolicy } from './policy.js';
import { deliveryTarget } from './target.js';

// The passcode use cases behind POST /cis/v1/auth/otp/send and /authenticate: load the facts
// (the user with the lock of their passcode lock, the newest passcode flow, the session named),
// count the request against its limits, hand the facts to the OTP machine, and answer what its
// state says; a flow that locks has the user's passcode lock (./lock.ts) take the lock with it.

interface SendOtpRequest {
  readonly channel: OtpChannel;
  readonly identifierType: IdentifierType;
  readonly identifier: string;
  readonly customEmail: string | null;
  readonly customPhoneNumber: string | null;
  readonly emailContent: EmailContent | null;
  readonly customSms: { readonly customMessage: string | null; readonly senderId: string | null };
  readonly approvalData: Readonly<Record<string, string | number | boolean>> | null;
  readonly expiresInMinutes: number | null;
  readonly generateRequestId: boolean;
}

interface AuthenticateOtpRequest {
  readonly passcode: string;
  readonly identifierType: IdentifierType;
  readonly identifier: string;
  readonly requestId: string | null;
  readonly sessionId: string | null;
  readonly resource: string | null;
  readonly claims: ClaimsRequest | null;
}

interface SendOtpResponse {
  readonly message: string;
  readonly approval_data?: Readonly<Record<string, string | number | boolean>>;
  readonly code?: string;
  readonly request_id?: string;
}

/** A passcode submitted to the flow it names, for the user found (and counted) by its identifier. */
interface PasscodeRedemption {
  readonly app: AppRecord;
  readonly found: LoginUser;
  readonly flow: Instance<OtpTypes>;
  readonly request: AuthenticateOtpRequest;
}

export interface OtpService {
  send(caller: AppRecord, request: SendOtpRequest): Promise<SendOtpResponse>;
  authenticate(caller: AppRecord, request: AuthenticateOtpRequest): Promise<TokenResponse>;
  /** The factor's step in the caller's transaction, its outcome handed to the caller's sink. */
  redeem<R>(steps: TxSteps, login: PasscodeRedemption, sink: VerdictSink<R>): Promise<FactorStep<R>>;
}

export interface OtpServiceDeps extends PostLoginDeps {
  readonly storage: Storage;
  readonly clock: Clock;
  readonly runner: Runner;
  readonly otp: OtpFlows;
  readonly passcodeLocks: PasscodeLocks;
  readonly limiter: RateLimiter;
  readonly limits: Config['rateLimits'];
  /** The waits before each retry of a delivery that met an outage (DELIVERY_RETRY_DELAYS_MS). */
  readonly retryDelaysMs: readonly number[];
}

/** The app's user the identifier names (with the passcode lockout in force), the request counted. */
const findUser = (deps: OtpServiceDeps, app: AppRecord, request: { readonly identifierType: IdentifierType; readonly identifier: string }, bucket: string, limit: Config['rateLimits']['send']) =>
  findLoginUser({ db: deps.storage.db, limiter: deps.limiter }, app, { type: request.identifierType, identifier: request.identifier, bucket, limit, passcodeLock: true });

/** The facts and settings a send hands the machine (it judges status, lockout and carried guesses). */
function sendInput(deps: OtpServiceDeps, app: AppRecord, request: SendOtpRequest, found: LoginUser, facts: { now: number; verifies: OtpInput['verifies']; replaced: OtpInput['replaced'] }): OtpInput {
  const policy = otpPolicy(app.loginPreferences, request.channel);
  return {
    userId: found.user.id,
    channel: request.channel,
    subject: found.subject,
    verifies: facts.verifies,
    expiresAt: facts.now + (request.expiresInMinutes ?? policy.expiresInMinutes) * 60_000,
    codeLength: policy.codeLength,
    maxFailures: policy.maxFailures,
    lockoutMs: policy.lockoutMinutes * 60_000,
    requestId: request.generateRequestId ? newId() : null,
    approvalData: request.approvalData,
    requestedAt: facts.now,
    lockedOutUntil: found.lockedUntil,
    userStatus: found.user.status,
    replaced: facts.replaced,
    retryDelaysMs: deps.retryDelaysMs,
  };
}

/** Supersedes the user's pending code and starts the new flow, in one transaction. */
function startSend(deps: OtpServiceDeps, app: AppRecord, request: SendOtpRequest, found: LoginUser, target: ReturnType<typeof deliveryTarget>): Promise<Step<OtpTypes>> {
  const { otp } = deps;
  const { user } = found;
  const now = deps.clock.now();
  return deps.runner.step(async (steps) => {
    // A new send replaces the pending code (keystate-server.md §5 item 6); the machine decides
    // whether the wrong guesses spent on it carry over (sending new codes buys no new guesses).
    const previous = await findLatestFlow(steps, otpDefinition, { appId: app.id, userId: user.id, kind: 'otp' });
    const superseded = previous === null ? null : await steps.send(otp, previous, { type: 'challenge.superseded' }, { app });
    const replaced = superseded?.accepted && previous !== null ? { attempts: previous.context.attempts, expiresAt: previous.context.expiresAt } : null;
    const input = sendInput(deps, app, request, found, { now, verifies: target.verifies, replaced });
    return steps.start(otp, {
      id: newId(),
      appId: app.id,
      input,
      create: { tenantId: app.tenantId, appId: app.id, userId: user.id, subject: found.subject, expiresAt: input.expiresAt, replaces: previous?.row ?? null },
      request: {
        app,
        send: { to: target.to, emailContent: request.emailContent, primaryColor: app.loginPreferences.email?.message?.primaryColor ?? null, sms: request.customSms },
      },
    });
  });
}

async function sendOtp(deps: OtpServiceDeps, app: AppRecord, request: SendOtpRequest): Promise<SendOtpResponse> {
  await deps.limiter.hit('otp-send-app', deps.limits.sendPerApp, app.id);
  const found = await findUser(deps, app, request, 'otp-send', deps.limits.send);
  if (found === null) throw new AuthError('OTP_USER_NOT_FOUND');
  // Checked before anything is written: a target the request cannot have refuses the send.
  const step = await startSend(deps, app, request, found, deliveryTarget(request, found.user));
  acceptOrThrow(step.answer);
  return {
    message: 'OTP sent',
    ...(request.approvalData === null ? {} : { approval_data: request.approvalData }),
    ...(request.channel === 'direct' && step.outputs.issueChallenge !== undefined ? { code: step.outputs.issueChallenge.code } : {}),
    ...(step.context.requestId === null ? {} : { request_id: step.context.requestId }),
  };
}

/** The passcode factor's step, in its caller's transaction: the code judged by the flow it was
 * sent in (the newest one for a Mosaic call), a lock taken with the lock it leads to, and the
 * outcome handed to `sink` (the flow's verdict goes to the session flow in this same transaction:
 * a session step that fails rolls the redeemed code back with it). */
async function redeemPasscode<R>(steps: TxSteps, deps: OtpServiceDeps, login: PasscodeRedemption, sink: VerdictSink<R>): Promise<FactorStep<R>> {
  const { app, found, flow, request } = login;
  const { user } = found;
  const named = request.sessionId === null ? null : await sessionForFactor(steps, deps, { app, sessionId: request.sessionId, userId: user.id, method: OTP_METHOD[flow.context.channel] });
  const event = {
    type: 'code.submit',
    subject: found.subject,
    requestId: request.requestId,
    lockedOutUntil: found.lockedUntil,
    session: named?.verdict ?? null,
    userStatus: user.status,
    resource: request.resource,
    allowedResources: app.resources,
  } as const;
  const authentication = { user, session: named?.session ?? null, resource: request.resource, claims: request.claims };
  const step = await steps.send(deps.otp, flow, event, { app, authentication, passcode: request.passcode });
  // The last allowed wrong code locks the user out of passcodes, in this same transaction.
  const lock = step.outputs.lockIdentifier;
  if (lock !== undefined) await lockPasscodes(steps, deps.passcodeLocks, { tenantId: app.tenantId, appId: app.id, userId: user.id }, lock.until);
  const verdict = step.outputs.recordAuthentication ?? null;
  const outcome = { factor: 'otp', state: step.state, app, id: step.id, answer: step.answer, verdict, authentication } as const;
  return { answer: step.answer, result: await sink(steps, outcome) };
}

async function authenticateOtp(deps: OtpServiceDeps, app: AppRecord, request: AuthenticateOtpRequest): Promise<TokenResponse> {
  const found = await findUser(deps, app, request, 'otp-authenticate', deps.limits.authenticate);
  // An unknown user and a user without a code answer alike: nothing to enumerate.
  if (found === null) throw new AuthError('OTP_INVALID_CREDENTIALS');
  const sink = postLoginSink(deps);
  const login = await deps.runner.step(async (steps) => {
    const flow = await findLatestFlow(steps, otpDefinition, { appId: app.id, userId: found.user.id, kind: 'otp' });
    return flow === null ? null : redeemPasscode(steps, deps, { app, found, flow, request }, sink);
  });
  if (login === null) throw new AuthError('OTP_INVALID_CREDENTIALS');
  acceptOrThrow(login.answer);
  if (login.result === null) throw new AuthError('OTP_INVALID_CREDENTIALS');
  return signTokens(deps.tokens, login.result);
}

export function createOtpService(deps: OtpServiceDeps): OtpService {
  return {
    send: (app, request) => sendOtp(deps, app, request),
    authenticate: (app, request) => authenticateOtp(deps, app, request),
    redeem: (steps, login, sink) => redeemPasscode(steps, deps, login, sink),
  };
}
