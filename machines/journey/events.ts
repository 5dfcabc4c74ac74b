import type { Refusal } from '../shared/answers.js';
import type { AuthMethod, Timed } from '../shared/events.js';

// The events a journey takes (design note i19 §2.2), the same for every compiled journey. A journey
// never drives a factor: the factor's own use case runs its own machine, and what came of it is
// handed in here (a verdict, a refusal, a lockout), in the same transaction. No event carries a
// proof (a password, a code, a WebAuthn result): those go to the factor's request only, so a
// journey's log holds no secret (issue 19 point 6). Every event is stamped `at` by the runner.

export type JourneyEvent =
  /** Is `step` the step the journey is at? Evaluated before a factor is touched (logged only when it refuses). */
  | ({ readonly type: 'step.check'; readonly step: string } & Timed)
  /** The user picks `option` at the choice `step`. */
  | ({ readonly type: 'step.choose'; readonly step: string; readonly option: string } & Timed)
  /** A sending step's factor flow was started (its code or link sent, its ceremony begun). */
  | ({ readonly type: 'factor.started'; readonly step: string; readonly flowId: string } & Timed)
  /** The factor's machine reached its verdict: `userId` is whose (a passkey decides the user itself). */
  | ({ readonly type: 'factor.passed'; readonly step: string; readonly method: AuthMethod; readonly verifies: 'email' | 'phone' | null; readonly userId: string } & Timed)
  /** The factor refused this proof and still takes others: its own refusal code. */
  | ({ readonly type: 'factor.refused'; readonly step: string; readonly refusal: Refusal } & Timed)
  /** The factor's machine locked out. */
  | ({ readonly type: 'factor.locked'; readonly step: string } & Timed)
  /** A proof of a flow this journey did not start (another journey's magic link or ceremony). */
  | ({ readonly type: 'factor.foreign'; readonly step: string } & Timed);
