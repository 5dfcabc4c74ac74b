import { type Answers, ok, refused } from './shared/answers.js';
import { locked } from './shared/lockout.js';
import type { OtpContext } from './otp.context.js';

// The HTTP answer of every outcome of the passcode flow (mosaic-backend-api.md §2.3–2.4).

export type OtpState =
  | 'userDisabled.refusedSend'
  | 'userDisabled.noCode'
  | 'lockedOut.refusedSend'
  | 'lockedOut.refusingCode'
  | 'lockedOut.noCode'
  | 'sending'
  | 'retrying'
  | 'pending.awaitingCode'
  | 'pending.otherIdentifier'
  | 'pending.requestIdRefused'
  | 'pending.sessionRefused'
  | 'pending.wrongCode'
  | 'pending.verifying'
  | 'pending.verifyingForOtherResource'
  | 'pending.verifyingForDisabledUser'
  | 'pending.resourceRefused'
  | 'pending.userDisabled'
  | 'authenticated.redeemed'
  | 'authenticated.alreadyUsed'
  | 'locked.holding'
  | 'locked.refusing'
  | 'locked.over'
  | 'expired.lapsed'
  | 'expired.refused'
  | 'deliveryFailed.undelivered'
  | 'deliveryFailed.refused'
  | 'superseded.replaced'
  | 'superseded.refused';

const invalidCredentials = refused('OTP_INVALID_CREDENTIALS');
// A lock this flow led to, or the one in force when it was sent: answered as every factor's lock is.
const passcodeLocked = (context: OtpContext) => locked('OTP_LOCKED')({ lockedUntil: context.lockedUntil ?? context.lockedOutUntil });

export const otpAnswers: Answers<OtpState, OtpContext> = {
  'userDisabled.refusedSend': refused('OTP_USER_NOT_ACTIVE'),
  'userDisabled.noCode': invalidCredentials,
  'lockedOut.refusedSend': passcodeLocked,
  'lockedOut.refusingCode': passcodeLocked,
  'lockedOut.noCode': invalidCredentials,
  // A send whose first attempt has no outcome yet: the provider did not answer within the send's
  // wait (DELIVERY_FIRST_ATTEMPT_MS), or its answer could not be saved, or the process stopped.
  // The message is kept and may have gone out: the delivery worker sees it through.
  sending: ok,
  // The first attempt met an outage: the message is retried in the background.
  retrying: ok,
  'pending.awaitingCode': ok,
  'pending.otherIdentifier': invalidCredentials,
  'pending.requestIdRefused': refused('REQUEST_ID_MISMATCH'),
  'pending.sessionRefused': refused('SESSION_NOT_FOUND'),
  'pending.wrongCode': (context) => refused('OTP_INVALID_CREDENTIALS', { attemptsLeft: Math.max(0, context.maxFailures - context.attempts) }),
  // Never where a request ends: the comparison's verdict always follows in the same step.
  'pending.verifying': refused('INTERNAL'),
  'pending.verifyingForOtherResource': refused('INTERNAL'),
  'pending.verifyingForDisabledUser': refused('INTERNAL'),
  // Told only to a request that proved the code; the code stays redeemable by a right request.
  'pending.resourceRefused': refused('RESOURCE_NOT_ALLOWED'),
  // The user was disabled after the send (the generic error, as the login's end always answered).
  'pending.userDisabled': refused('USER_NOT_ACTIVE'),
  'authenticated.redeemed': ok,
  'authenticated.alreadyUsed': invalidCredentials,
  'locked.holding': passcodeLocked,
  'locked.refusing': passcodeLocked,
  'locked.over': invalidCredentials,
  'expired.lapsed': refused('OTP_EXPIRED'),
  'expired.refused': refused('OTP_EXPIRED'),
  'deliveryFailed.undelivered': (context) =>
    context.deliveryFault === 'configuration' ? refused('OTP_PROVIDER_CONFIGURATION') : context.deliveryFault === 'recipient' ? refused('OTP_RECIPIENT_REJECTED') : refused('OTP_PROVIDER_UNAVAILABLE'),
  'deliveryFailed.refused': invalidCredentials,
  'superseded.replaced': invalidCredentials,
  'superseded.refused': invalidCredentials,
};
