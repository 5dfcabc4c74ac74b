import type { OtpChannel, OtpInput } from '../../../machines/index.js';
import type { Clock } from '../../clock.js';
import type { DeliveryError } from '../../delivery/delivery-error.js';
import type { EmailContent } from '../../delivery/templates/magic-link-email.js';
import { AuthError } from '../../errors.js';
import { appIdentity, loadCallerApp } from '../../apps/caller-app.js';
import { findPendingPasscode, reserveAttempt } from '../../repositories/challenge-repository.js';
import { lockedUntil } from '../../repositories/lockout-repository.js';
import { findUserForApp, type IdentifierType } from '../../repositories/user-repository.js';
import { newId } from '../../secrets/random.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import type { Storage } from '../../storage/prisma.js';
import type { ClaimsRequest } from '../../tokens/claims.js';
import type { ClientPrincipal } from '../../tokens/token-service.js';
import { normalizeEmail, normalizeIdentifier, normalizePhoneNumber } from '../../users/identifiers.js';
import { TOKENS, type TokenRequest, type TokenResponse } from '../authentication.js';
import type { FlowOutcome, FlowRunner } from '../runner.js';
import { DELIVERY_FAILURE, DIRECT_CODE, type OtpSendExtras, passcodeHashInput } from './effects.js';
import { otpPolicy } from './policy.js';

// The passcode use cases behind POST /cis/v1/auth/otp/send and /authenticate.

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
  send(caller: ClientPrincipal, request: SendOtpRequest): Promise<SendOtpResponse>;
  authenticate(caller: ClientPrincipal, request: AuthenticateOtpRequest): Promise<TokenResponse>;
}

export function createOtpService(deps: { storage: Storage; clock: Clock; runner: FlowRunner; hasher: SecretHasher }): OtpService {
  const { storage, clock, runner, hasher } = deps;
  const { db } = storage;

  const loadApp = (caller: ClientPrincipal) => loadCallerApp(db, caller);

  /** Where the code goes, and which primary address redeeming it proves. */
  function target(request: SendOtpRequest, user: { email: string | null; phoneNumber: string | null }): { to: string | null; verifies: OtpInput['verifies'] } {
    switch (request.channel) {
      case 'direct':
        return { to: null, verifies: null };
      case 'email': {
        if (request.customEmail !== null) return { to: normalizeEmail(request.customEmail), verifies: null };
        if (user.email === null) throw new AuthError('OTP_EMAIL_MISSING');
        return { to: user.email, verifies: 'email' };
      }
      case 'sms': {
        if (request.customPhoneNumber !== null) {
          const phone = normalizePhoneNumber(request.customPhoneNumber);
          if (phone === null) throw new AuthError('OTP_INVALID_INPUT', { message: ['custom_phone_number must be a valid phone number in E.164 format'] });
          return { to: phone, verifies: null };
        }
        if (user.phoneNumber === null) throw new AuthError('OTP_PHONE_MISSING');
        return { to: user.phoneNumber, verifies: 'phone' };
      }
    }
  }

  function deliveryFailure(outcome: FlowOutcome): AuthError {
    const failure = outcome.outputs.get(DELIVERY_FAILURE) as DeliveryError | undefined;
    if (failure?.configuration) return new AuthError('OTP_PROVIDER_CONFIGURATION', { details: { reason: failure.reason } });
    if (failure !== undefined && !failure.transient) return new AuthError('OTP_RECIPIENT_REJECTED', { details: { reason: failure.reason } });
    return new AuthError('OTP_PROVIDER_UNAVAILABLE', { details: { reason: failure?.reason ?? 'unknown' } });
  }

  return {
    async send(caller, request) {
      const app = await loadApp(caller);
      const identifier = normalizeIdentifier(request.identifierType, request.identifier);
      const user = identifier === null ? null : await findUserForApp(db, app.id, app.tenantId, request.identifierType, identifier);
      if (user === null || identifier === null) throw new AuthError('OTP_USER_NOT_FOUND');
      if (user.status === 'Disabled') throw new AuthError('OTP_USER_NOT_ACTIVE');
      const { to, verifies } = target(request, user);
      const policy = otpPolicy(app.loginPreferences, request.channel);
      const expiresAt = clock.now() + (request.expiresInMinutes ?? policy.expiresInMinutes) * 60_000;
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
      };
      const extras: OtpSendExtras = {
        appName: app.name,
        to,
        emailContent: request.emailContent,
        primaryColor: app.loginPreferences.email?.message?.primaryColor ?? null,
        sms: request.customSms,
      };
      const outcome = await runner.start('otp', input, { tenantId: app.tenantId, appId: app.id }, { expiresAt, extras });
      if (outcome.state === 'deliveryFailed') throw deliveryFailure(outcome);
      const code = outcome.outputs.get(DIRECT_CODE) as string | undefined;
      return {
        message: 'OTP sent',
        ...(request.approvalData === null ? {} : { approval_data: request.approvalData }),
        ...(code === undefined ? {} : { code }),
        ...(input.requestId === null ? {} : { request_id: input.requestId }),
      };
    },

    async authenticate(caller, request) {
      const app = await loadApp(caller);
      if (request.resource !== null && !app.resources.includes(request.resource)) throw new AuthError('RESOURCE_NOT_ALLOWED');
      const identifier = normalizeIdentifier(request.identifierType, request.identifier);
      const user = identifier === null ? null : await findUserForApp(db, app.id, app.tenantId, request.identifierType, identifier);
      // An unknown user and a user without a pending code answer alike: nothing to enumerate.
      if (user === null || identifier === null) throw new AuthError('OTP_INVALID_CREDENTIALS');
      const until = await lockedUntil(db, { appId: app.id, userId: user.id, method: 'otp' });
      if (until !== null && until > clock.now()) throw new AuthError('OTP_LOCKED', { details: { lockedUntil: new Date(until).toISOString() } });

      const pending = await findPendingPasscode(db, { appId: app.id, userId: user.id, subject: `${request.identifierType}:${identifier}` });
      if (pending === null) throw new AuthError('OTP_INVALID_CREDENTIALS');
      // Count the attempt first, compare second: a burst of guesses cannot outrun the limit.
      const attempt = await reserveAttempt(db, pending.id);
      if (attempt === null) throw new AuthError('OTP_INVALID_CREDENTIALS');
      const matches = hasher.matches(passcodeHashInput(pending.id, request.passcode), pending.secretHash);

      const extras: TokenRequest = { app: appIdentity(app), resource: request.resource, claims: request.claims };
      const event = matches
        ? { type: 'code.accepted', attempt, requestId: request.requestId, sessionId: request.sessionId }
        : { type: 'code.rejected', attempt, requestId: request.requestId };
      const outcome = await runner.send(pending.flowId, { appId: app.id }, event, extras);

      switch (outcome.state) {
        case 'authenticated': {
          const tokens = outcome.outputs.get(TOKENS) as TokenResponse | undefined;
          if (outcome.accepted && tokens !== undefined) return tokens;
          throw new AuthError('OTP_INVALID_CREDENTIALS');
        }
        case 'expired':
          throw new AuthError('OTP_EXPIRED');
        case 'locked':
          throw new AuthError('OTP_LOCKED');
        default:
          if (!outcome.accepted) throw new AuthError('OTP_INVALID_INPUT', { message: ['request_id is missing or does not match'] });
          throw new AuthError('OTP_INVALID_CREDENTIALS', { details: { attemptsLeft: Math.max(0, pending.maxAttempts - attempt) } });
      }
    },
  };
}
