import { type Answers, ok, refused } from './shared/answers.js';
import type { SessionContext } from './session.machine.js';

// The HTTP answer of every outcome of the session (keystate-server.md §5 items 7 and 14): whatever
// cannot take the request is "Session not found".

export type SessionState = 'active.live' | 'active.refused' | 'expired.lapsed' | 'expired.refused' | 'terminated.loggedOut' | 'terminated.revoked' | 'terminated.refused';

const notFound = refused('SESSION_NOT_FOUND');

export const sessionAnswers: Answers<SessionState, SessionContext> = {
  'active.live': ok,
  'active.refused': notFound,
  'expired.lapsed': notFound,
  'expired.refused': notFound,
  'terminated.loggedOut': ok,
  'terminated.revoked': ok,
  'terminated.refused': notFound,
};
