import { AuthError, type ErrorCode } from '../errors.js';
import { consumeChallenge } from '../repositories/challenge-repository.js';
import type { EffectHandler } from './effects.js';

// The end of a flow's one-time secret, shared by every flow that issues one.

export function challengeLifecycleEffects(alreadyUsed: ErrorCode): Record<'consumeChallenge' | 'revokeChallenge', EffectHandler> {
  return {
    consumeChallenge: {
      phase: 'transaction',
      async run(_params, { tx, flow, at }) {
        // The version check already serialises events on this flow; the conditional update makes
        // single use hold even if a secret were ever reachable from two flows.
        if (!(await consumeChallenge(tx, flow.id, at))) throw new AuthError(alreadyUsed);
      },
    },
    revokeChallenge: {
      phase: 'transaction',
      async run(_params, { tx, flow, at }) {
        await consumeChallenge(tx, flow.id, at);
      },
    },
  };
}
