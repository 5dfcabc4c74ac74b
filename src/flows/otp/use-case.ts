import { OTP_METHOD, type OtpChannel, type OtpInput } from '../../../machines/otp.machine.js';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { EmailContent } from '../../delivery/templates/magic-link-email.js';
import { acceptOrThrow } from '../../engine/answer.js';
import type { Runner } from '../../engine/runner.js';
import { AuthError } from '../../errors.js';
import type { RateLimiter } from '../../limits/rate-limiter.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import { findLatestFlow } from '../../repositories/flow-repository.js';
import type { IdentifierType } from '../../repositories/user-repository.js';
import { newId } from '../../secrets/random.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import { sessionForFactor } from '../session/named-session.js';
import type { Sessions } from '../session/effects.js';
import type { Storage } from '../../storage/prisma.js';
import type { ClaimsRequest } from '../../tokens/claims.js';
import { findLoginUser } from '../../users/login-user.js';
import type { TokenResponse } from '../session/token-results.js';
import type { OtpFlows, OtpTypes } from './effects.js';
import { otpPolicy } from './policy.js';
import { deliveryTarget } from './target.js';

// The passcode use cases behind POST /cis/v1/auth/otp/send and /authenticate: load the facts
// (the user with the lockout in force, the newest passcode flow, the session named), count the
// request against its limits, hand the facts to the OTP machine, and answer what its state says.

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

export interface OtpService {
  send(caller: AppRecord, request: SendOtpRequest): Promise<SendOtpResponse>;
  authenticate(caller: AppRecord, request: AuthenticateOtpRequest): Promise<TokenResponse>;
}

export interface OtpServiceDeps {
  readonly storage: Storage;
  readonly clock: Clock;
  readonly runner: Runner;
  readonly hasher: SecretHasher;
  readonly otp: OtpFlows;
  readonly sessions: Sessions;
  readonly limiter: RateLimiter;
  readonly limits: Config['rateLimits'];
  /** The waits before each retry of a delivery that met an outage (DELIVERY_RETRY_DELAYS_MS). */
  readonly retryDelaysMs: readonly number[];
}

export function createOtpService(deps: OtpServiceDeps): OtpService {
  const { storage, clock, runner, otp, limiter, limits } = deps;
  const { db } = storage;

  /** The app's user the identifier names (with the passcode lockout in force), the request counted. */
  const findUser = (app: AppRecord, type: IdentifierType, identifier: string, bucket: string, limit: Config['rateLimits']['send']) =>
    findLoginUser({ db, limiter }, app, { type, identifier, bucket, limit, lockoutMethod: 'otp' });

  return {
    async send(app, request) {
      await limiter.hit('otp-send-app', limits.sendPerApp, app.id);
      const found = await findUser(app, request.identifierType, request.identifier, 'otp-send', limits.send);
      if (found === null) throw new AuthError('OTP_USER_NOT_FOUND');
      const { user } = found;
      if (user.status === 'Disabled') throw new AuthError('OTP_USER_NOT_ACTIVE');
      const { to, verifies } = deliveryTarget(request, user);
      const policy = otpPolicy(app.loginPreferences, request.channel);
      const now = clock.now();
      const expiresAt = now + (request.expiresInMinutes ?? policy.expiresInMinutes) * 60_000;
      const results: OtpTypes['request']['results'] = {};
      const step = await runner.transaction(async (steps) => {
        // A new send replaces the pending code (keystate-server.md §5 item 6), and the wrong guesses
        // spent on it carry over: sending new codes does not buy new guesses.
        const previous = await findLatestFlow<OtpTypes>(steps.tx, steps.provider, { appId: app.id, userId: user.id, kind: 'otp' });
        const superseded = previous === null ? null : await steps.send(otp, previous, { type: 'challenge.superseded' }, { app, results: {} });
        const carriedAttempts = superseded?.accepted && previous !== null && previous.context.expiresAt > now ? previous.context.attempts : 0;
        const input: OtpInput = {
          userId: user.id,
          channel: request.channel,
          subject: found.subject,
          verifies,
          expiresAt,
          codeLength: policy.codeLength,
          maxFailures: policy.maxFailures,
          lockoutMs: policy.lockoutMinutes * 60_000,
          requestId: request.generateRequestId ? newId() : null,
          approvalData: request.approvalData,
          requestedAt: now,
          lockedOutUntil: found.lockedUntil,
          carriedAttempts,
          retryDelaysMs: deps.retryDelaysMs,
        };
        return steps.start(otp, {
          id: newId(),
          appId: app.id,
          input,
          create: { tenantId: app.tenantId, appId: app.id, userId: user.id, subject: found.subject, expiresAt, replaces: previous?.row ?? null },
          request: {
            app,
            send: { to, emailContent: request.emailContent, primaryColor: app.loginPreferences.email?.message?.primaryColor ?? null, sms: request.customSms },
            results,
          },
        });
      });
      acceptOrThrow(step.answer);
      return {
        message: 'OTP sent',
        ...(request.approvalData === null ? {} : { approval_data: request.approvalData }),
        ...(request.channel === 'direct' && results.code !== undefined ? { code: results.code } : {}),
        ...(step.context.requestId === null ? {} : { request_id: step.context.requestId }),
      };
    },

    async authenticate(app, request) {
      if (request.resource !== null && !app.resources.includes(request.resource)) throw new AuthError('RESOURCE_NOT_ALLOWED');
      const found = await findUser(app, request.identifierType, request.identifier, 'otp-authenticate', limits.authenticate);
      // An unknown user and a user without a code answer alike: nothing to enumerate.
      if (found === null) throw new AuthError('OTP_INVALID_CREDENTIALS');
      const { user } = found;
      const results: OtpTypes['request']['results'] = {};
      const answer = await runner.transaction(async (steps) => {
        const flow = await findLatestFlow<OtpTypes>(steps.tx, steps.provider, { appId: app.id, userId: user.id, kind: 'otp' });
        if (flow === null) return null;
        const named = request.sessionId === null ? null : await sessionForFactor(steps, deps, { app, sessionId: request.sessionId, userId: user.id, method: OTP_METHOD[flow.context.channel] });
        const session = named?.session ?? null;
        const event = { type: 'code.submit', subject: found.subject, requestId: request.requestId, lockedOutUntil: found.lockedUntil, session: named?.verdict ?? null } as const;
        const step = await steps.send(otp, flow, event, {
          app,
          authentication: { user, session, resource: request.resource, claims: request.claims },
          passcode: request.passcode,
          results,
        });
        return step.answer;
      });
      if (answer === null) throw new AuthError('OTP_INVALID_CREDENTIALS');
      acceptOrThrow(answer);
      if (results.tokens === undefined) throw new AuthError('OTP_INVALID_CREDENTIALS');
      return results.tokens;
    },
  };
}
