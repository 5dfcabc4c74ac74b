import { type Answers, ok, refused } from './shared/answers.js';
import type { RefreshFamilyContext } from './refresh-family.context.js';

// The HTTP answer of every outcome of a refresh (mosaic-backend-api.md §2.6): anything but a
// rotation is "Invalid refresh token", reuse included (the caller learns nothing more).

export type RefreshFamilyState = 'active' | 'revoked.reuseDetected' | 'revoked.refused' | 'expired.lapsed' | 'expired.refused' | 'sessionEnded.ended' | 'sessionEnded.refused';

const invalid = refused('REFRESH_TOKEN_INVALID');

export const refreshFamilyAnswers: Answers<RefreshFamilyState, RefreshFamilyContext> = {
  active: ok,
  'revoked.reuseDetected': refused('REFRESH_TOKEN_INVALID', { reuse: true }),
  'revoked.refused': invalid,
  'expired.lapsed': invalid,
  'expired.refused': invalid,
  'sessionEnded.ended': invalid,
  'sessionEnded.refused': invalid,
};
