import type { PasskeyContext } from './passkey.context.js';
import { type Answers, ok, refused } from './shared/answers.js';

// The HTTP answer of every outcome of a passkey login (mosaic-backend-api.md §2.14 documents no
// errors for these paths: these are ours, src/errors.ts).

export type PasskeyState =
  | 'refusedRegistration'
  | 'active.ready'
  | 'active.resourceRefused'
  | 'active.sessionRefused'
  | 'active.userDisabled'
  | 'active.authenticated'
  | 'suspended.cloneSuspected'
  | 'suspended.refusing'
  | 'revoked.done'
  | 'revoked.refused';

const cloneSuspected = refused('WEBAUTHN_CLONE_SUSPECTED');

export const passkeyAnswers: Answers<PasskeyState, PasskeyContext> = {
  refusedRegistration: refused('USER_NOT_ACTIVE'),
  'active.ready': ok,
  'active.resourceRefused': refused('RESOURCE_NOT_ALLOWED'),
  'active.sessionRefused': refused('SESSION_NOT_FOUND'),
  'active.userDisabled': refused('USER_NOT_ACTIVE'),
  'active.authenticated': ok,
  'suspended.cloneSuspected': cloneSuspected,
  // The genuine authenticator too: nobody can tell which of the two it is.
  'suspended.refusing': cloneSuspected,
  'revoked.done': ok,
  // As a passkey that was never registered.
  'revoked.refused': refused('WEBAUTHN_CREDENTIAL_NOT_FOUND'),
};
