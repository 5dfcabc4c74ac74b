import { type Answers, ok, refused } from './shared/answers.js';
import { locked } from './shared/lockout.js';
import type { TotpContext } from './totp.context.js';

// The HTTP answer of every outcome of a TOTP login (mosaic-backend-api.md §2.11; its errors are
// undocumented: these are the passcodes' codes).

export type TotpState =
  | 'refusedRegistration'
  | 'active.ready'
  | 'active.resourceRefused'
  | 'active.sessionRefused'
  | 'active.verifying'
  | 'active.verifyingForDisabledUser'
  | 'active.userDisabled'
  | 'active.wrongCode'
  | 'active.sameWrongCode'
  | 'active.replayed'
  | 'active.authenticated'
  | 'locked.holding'
  | 'locked.refusing'
  | 'locked.resourceRefused'
  | 'locked.sessionRefused'
  | 'revoked.done'
  | 'revoked.refused';

const invalidCredentials = refused('OTP_INVALID_CREDENTIALS');

export const totpAnswers: Answers<TotpState, TotpContext> = {
  refusedRegistration: refused('USER_NOT_ACTIVE'),
  'active.ready': ok,
  'active.resourceRefused': refused('RESOURCE_NOT_ALLOWED'),
  'active.sessionRefused': refused('SESSION_NOT_FOUND'),
  // Never where a login ends: the comparison's verdict follows in the same step.
  'active.verifying': refused('INTERNAL'),
  'active.verifyingForDisabledUser': refused('INTERNAL'),
  // The generic error, as the login's end answered before the machine judged it.
  'active.userDisabled': refused('USER_NOT_ACTIVE'),
  'active.wrongCode': invalidCredentials,
  'active.sameWrongCode': invalidCredentials,
  'active.replayed': invalidCredentials,
  'active.authenticated': ok,
  'locked.holding': locked('OTP_LOCKED'),
  'locked.refusing': locked('OTP_LOCKED'),
  'locked.resourceRefused': refused('RESOURCE_NOT_ALLOWED'),
  'locked.sessionRefused': refused('SESSION_NOT_FOUND'),
  'revoked.done': ok,
  'revoked.refused': invalidCredentials,
};
