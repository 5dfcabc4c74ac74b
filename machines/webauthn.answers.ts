import { type Answers, ok, refused } from './shared/answers.js';
import type { WebauthnContext } from './webauthn.context.js';

// The HTTP answer of every outcome of a WebAuthn ceremony (mosaic-backend-api.md §2.14 documents no
// errors for these paths: these are ours, src/errors.ts). A result submitted again is answered as
// used, whatever the first outcome was (an expired ceremony stays expired).

export type WebauthnState =
  | 'issued'
  | 'verifying'
  | 'verified.awaitingPasskey'
  | 'verified.reused'
  | 'done.completed'
  | 'done.reused'
  | 'expired.lapsed'
  | 'expired.refused'
  | 'wrongOrigin.refused'
  | 'wrongOrigin.reused'
  | 'wrongRp.refused'
  | 'wrongRp.reused'
  | 'invalid.refused'
  | 'invalid.reused'
  | 'userNotVerified.refused'
  | 'userNotVerified.reused'
  | 'unknownCredential.refused'
  | 'unknownCredential.reused'
  | 'duplicateCredential.refused'
  | 'duplicateCredential.reused'
  | 'usernameTaken.refused'
  | 'usernameTaken.reused'
  | 'cloneSuspected.refused'
  | 'cloneSuspected.reused'
  | 'refused.userDisabled'
  | 'refused.sessionRefused'
  | 'refused.resourceRefused'
  | 'refused.revoked'
  | 'refused.reused';

const used = refused('WEBAUTHN_SESSION_USED');
const expired = refused('WEBAUTHN_EXPIRED');
const invalidResult = refused('WEBAUTHN_INVALID_RESULT');
const notFound = refused('WEBAUTHN_CREDENTIAL_NOT_FOUND');

export const webauthnAnswers: Answers<WebauthnState, WebauthnContext> = {
  issued: ok,
  // Never where a request ends: the verdict (and a login's passkey outcome) follows in the same step.
  verifying: refused('INTERNAL'),
  'verified.awaitingPasskey': refused('INTERNAL'),
  'verified.reused': used,
  'done.completed': ok,
  'done.reused': used,
  'expired.lapsed': expired,
  'expired.refused': expired,
  'wrongOrigin.refused': refused('WEBAUTHN_ORIGIN_NOT_ALLOWED'),
  'wrongOrigin.reused': used,
  'wrongRp.refused': refused('WEBAUTHN_RP_MISMATCH'),
  'wrongRp.reused': used,
  'invalid.refused': invalidResult,
  'invalid.reused': used,
  // The app requires user verification and the authenticator did not perform it.
  'userNotVerified.refused': invalidResult,
  'userNotVerified.reused': used,
  'unknownCredential.refused': notFound,
  'unknownCredential.reused': used,
  'duplicateCredential.refused': refused('WEBAUTHN_CREDENTIAL_EXISTS'),
  'duplicateCredential.reused': used,
  'usernameTaken.refused': refused('WEBAUTHN_USERNAME_TAKEN'),
  'usernameTaken.reused': used,
  'cloneSuspected.refused': refused('WEBAUTHN_CLONE_SUSPECTED'),
  'cloneSuspected.reused': used,
  // The generic errors, as the other factors answer them.
  'refused.userDisabled': refused('USER_NOT_ACTIVE'),
  'refused.sessionRefused': refused('SESSION_NOT_FOUND'),
  'refused.resourceRefused': refused('RESOURCE_NOT_ALLOWED'),
  // A passkey revoked meanwhile is as one never registered.
  'refused.revoked': notFound,
  'refused.reused': used,
};
