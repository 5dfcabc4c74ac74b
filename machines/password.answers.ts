import { type Answers, ok, refused } from './shared/answers.js';
import { locked } from './shared/lockout.js';
import type { PasswordContext } from './password.context.js';

// The HTTP answer of every outcome of a password login (mosaic-backend-api.md §2.10; its errors are
// undocumented: these follow §6 item 23 and the passcode flow's).

export type PasswordState =
  | 'active.ready'
  | 'active.resourceRefused'
  | 'active.sessionRefused'
  | 'active.verifying'
  | 'active.wrongPassword'
  | 'active.replacedMeanwhile'
  | 'active.userDisabled'
  | 'active.authenticated'
  | 'active.mustReplace.temporary'
  | 'active.mustReplace.expired'
  | 'locked.holding'
  | 'locked.refusing'
  | 'locked.resourceRefused'
  | 'locked.sessionRefused';

export const passwordAnswers: Answers<PasswordState, PasswordContext> = {
  'active.ready': ok,
  'active.resourceRefused': refused('RESOURCE_NOT_ALLOWED'),
  'active.sessionRefused': refused('SESSION_NOT_FOUND'),
  // Where a login ends only if its comparison never came back (its process stopped): nothing was
  // authenticated.
  'active.verifying': refused('PASSWORD_INVALID_CREDENTIALS'),
  'active.wrongPassword': refused('PASSWORD_INVALID_CREDENTIALS'),
  // The login compared a password replaced since: what it typed is not the password.
  'active.replacedMeanwhile': refused('PASSWORD_INVALID_CREDENTIALS'),
  // The generic error, as the login's end (the post-login step) answered before the machine judged it.
  'active.userDisabled': refused('USER_NOT_ACTIVE'),
  'active.authenticated': ok,
  'active.mustReplace.temporary': refused('PASSWORD_TEMPORARY'),
  'active.mustReplace.expired': refused('PASSWORD_EXPIRED'),
  'locked.holding': locked('PASSWORD_LOCKED'),
  'locked.refusing': locked('PASSWORD_LOCKED'),
  'locked.resourceRefused': refused('RESOURCE_NOT_ALLOWED'),
  'locked.sessionRefused': refused('SESSION_NOT_FOUND'),
};
