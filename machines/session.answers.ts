import { type Answers, ok, refused } from './shared/answers.js';
import type { SessionContext } from './session.context.js';

// The HTTP answer of every outcome of the session (keystate-server.md §5 items 7 and 14): whatever
// cannot take the request is "Session not found".

export type SessionState =
  | 'active.live'
  | 'active.refused'
  | 'active.userDisabled'
  | 'active.resourceRefused'
  | 'expired.lapsed'
  | 'expired.refused'
  | 'expired.resourceRefused'
  | 'terminated.loggedOut'
  | 'terminated.revoked'
  | 'terminated.refused'
  | 'terminated.resourceRefused';

const notFound = refused('SESSION_NOT_FOUND');

export const sessionAnswers: Answers<SessionState, SessionContext> = {
  'active.live': ok,
  'active.refused': notFound,
  // Silent authentication only (the bodies the use case answered before the machine judged them).
  'active.userDisabled': refused('USER_NOT_ACTIVE'),
  'active.resourceRefused': refused('RESOURCE_NOT_ALLOWED'),
  'expired.lapsed': notFound,
  'expired.refused': notFound,
  'expired.resourceRefused': refused('RESOURCE_NOT_ALLOWED'),
  'terminated.loggedOut': ok,
  'terminated.revoked': ok,
  'terminated.refused': notFound,
  'terminated.resourceRefused': refused('RESOURCE_NOT_ALLOWED'),
};
