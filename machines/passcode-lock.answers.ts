import { type Answers, ok } from './shared/answers.js';
import { locked } from './shared/lockout.js';
import type { PasscodeLockContext } from './passcode-lock.context.js';

// The answer of a user's passcode lock: a lock in force answers as every factor's lock does.

export type PasscodeLockState = 'open' | 'locked';

export const passcodeLockAnswers: Answers<PasscodeLockState, PasscodeLockContext> = {
  open: ok,
  locked: locked('OTP_LOCKED'),
};
