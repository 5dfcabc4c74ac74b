import type { OtpChannel, OtpInput } from '../../../machines/index.js';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { EmailContent } from '../../delivery/templates/magic-link-email.js';
import { AuthError } from '../../errors.js';
import { type RateLimiter, userSubject } from '../../limits/rate-limiter.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import { findPendingPasscode } from '../../repositories/challenge-repository.js';
import { lockedUntil } from '../../repositories/lockout-repository.js';
import { findUserForApp, type IdentifierType } from '../../repositories/user-repository.js';
import { newId } from '../../secrets/random.js';
import type { SessionService } from '../../sessions/session-service.js';
import type { Storage } from '../../storage/prisma.js';
import type { ClaimsRequest } from '../../tokens/claims.js';
import { normalizeIdentifier } from '../../users/identifiers.js';
import { TOKENS, type TokenResponse } from '../authentication.js';
import { deliveryFailureError } from '../delivery-failure.js';
import type { FlowRunner } from '../runner.js';
import { DIRECT_CODE, type OtpAuthenticateExtras, type OtpSendExtras } from './effects.js';
import { otpPolicy } from './policy.js';
import { deliveryTarget } from './target.js';

// The passcode use cases behind POST /cis/v1/auth/otp/send and /authenticate: load the facts
// (caller app, user, lockout, session), count the request against its limits, hand the facts to
// the OTP machine, and answer from the state it reached.

export interface SendOtpRequest {
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

export interface AuthenticateOtpRequest {
  readonly passcode: string;
  readonly identifierType: IdentifierType;
  readonly identifier: string;
  readonly requestId: string | null;
  readonly sessionId: string | null;
  readonly resource: string | null;
  readonly claims: ClaimsRequest | null;
}

export interface SendOtpResponse {
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
  readonly runner: FlowRunner;
  readonly sessions: SessionService;
  readonly limiter: RateLimiter;
  readonly limits: Config['rateLimits'];
}

export function createOtpService(deps: OtpServiceDeps): OtpService {
  const { storage, clock, runner, sessions, limiter, limits } = deps;
  const { db } = storage;

  /** The user the identifier names for this app, after counting the request against `bucket`. */
  async function findUser(app: AppRecord, type: IdentifierType, raw: string, bucket: string, limit: Config['rateLimits']['send']) {
    const identifier = normalizeIdentifier(type, raw);
    const user = identifier === null ? null : await findUserForApp(db, app.id, app.tenantId, type, identifier);
    await limiter.hit(bucket, limit, userSubject(app.tenantId, user, identifier === null ? null : `${type}:${identifier}`, raw));
    return { user, identifier };
  }

  return {
    async send(app, request) {
      await limiter.hit('otp-send-app', limits.sendPerApp, app.id);
      const { user, identifier } = await findUser(app, request.identifierType, request.identifier, 'otp-send', limits.send);
      if (user === null || identifier === null) throw new AuthError('OTP_USER_NOT_FOUND');
      if (user.status === 'Disabled') throw new AuthError('OTP_USER_NOT_ACTIVE');
      const { to, verifies } = deliveryTarget(request, user);
      const policy = otpPolicy(app.loginPreferences, request.channel);
      const now = clock.now();
      const expiresAt = now + (request.expiresInMinutes ?? policy.expiresInMinutes) * 60_000;
      const input: OtpInput = {
        userId: user.id,
        channel: request.channel,
        subject: `${request.identifierType}:${identifier}`,
        verifies,
        expiresAt,
        codeLength: policy.codeLength,
        maxFailures: policy.maxFailures,
        lockoutMs: policy.lockoutMinutes * 60_000,
        requestId: request.generateRequestId ? newId() : null,
        approvalData: request.approvalData,
        requestedAt: now,
        lockedOutUntil: await lockedUntil(db, { appId: app.id, userId: user.id, method: 'otp' }),
      };
      const extras: OtpSendExtras = {
        appName: app.name,
        to,
        emailContent: request.emailContent,
        primaryColor: app.loginPreferences.email?.message?.primaryColor ?? null,
        sms: request.customSms,
      };
      const outcome = await runner.start('otp', input, { tenantId: app.tenantId, appId: app.id }, { expiresAt, extras });
      if (outcome.state === 'lockedOut') throw new AuthError('OTP_LOCKED', { details: { lockedUntil: new Date(input.lockedOutUntil ?? now).toISOString() } });
      if (outcome.state === 'deliveryFailed') throw deliveryFailureError(outcome.outputs, 'otp');
      const code = outcome.outputs.get(DIRECT_CODE) as string | undefined;
      return {
        message: 'OTP sent',
        ...(request.approvalData === null ? {} : { approval_data: request.approvalData }),
        ...(code === undefined ? {} : { code }),
        ...(input.requestId === null ? {} : { request_id: input.requestId }),
      };
    },

    async authenticate(app, request) {
      if (request.resource !== null && !app.resources.includes(request.resource)) throw new AuthError('RESOURCE_NOT_ALLOWED');
      const { user, identifier } = await findUser(app, request.identifierType, request.identifier, 'otp-authenticate', limits.authenticate);
      // An unknown user and a user without a pending code answer alike: nothing to enumerate.
      if (user === null || identifier === null) throw new AuthError('OTP_INVALID_CREDENTIALS');
      const until = await lockedUntil(db, { appId: app.id, userId: user.id, method: 'otp' });
      if (until !== null && until > clock.now()) throw new AuthError('OTP_LOCKED', { details: { lockedUntil: new Date(until).toISOString() } });
      const pending = await findPendingPasscode(db, { appId: app.id, userId: user.id, subject: `${request.identifierType}:${identifier}` });
      if (pending === null) throw new AuthError('OTP_INVALID_CREDENTIALS');

      const session = request.sessionId === null ? null : await sessions.fact(db, app.tenantId, request.sessionId);
      const extras: OtpAuthenticateExtras = { app, sessionId: request.sessionId, resource: request.resource, claims: request.claims, passcode: request.passcode };
      const outcome = await runner.send(pending.flowId, { appId: app.id }, { type: 'code.submit', requestId: request.requestId, session }, extras);
      switch (outcome.state) {
        case 'authenticated': {
          const tokens = outcome.outputs.get(TOKENS) as TokenResponse | undefined;
          if (outcome.accepted && tokens !== undefined) return tokens;
          throw new AuthError('OTP_INVALID_CREDENTIALS');
        }
        case 'pending.requestIdRefused':
          throw new AuthError('OTP_INVALID_INPUT', { message: ['request_id is missing or does not match'] });
        case 'pending.sessionRefused':
          throw new AuthError('SESSION_NOT_FOUND');
        case 'expired':
          throw new AuthError('OTP_EXPIRED');
        case 'locked':
          throw new AuthError('OTP_LOCKED');
        default: {
          const attempts = (outcome.context as { attempts?: number }).attempts ?? 0;
          throw new AuthError('OTP_INVALID_CREDENTIALS', { details: { attemptsLeft: Math.max(0, pending.maxAttempts - attempts) } });
        }
      }
    },
  };
}
