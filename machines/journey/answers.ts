import { type Answer, type Answers, ok, refused } from '../shared/answers.js';
import type { JourneyContext } from './context.js';
import type { StateJson } from './chart-json.js';

// The HTTP answer of every state a compiled journey rests in (design note i19 §2.2), read off the
// compiled chart itself, so there is one answer per leaf whatever the document: a step waiting for
// its factor answers ok (the use case says what comes next), a refusal names itself, and an end
// answers what a client that comes back to it is told.

/** The answer of a leaf of a step: by the leaf's name (compile.ts names them). */
function stepAnswer(step: string, leaf: string): Answer | ((context: JourneyContext) => Answer) {
  switch (leaf) {
    case 'refused':
      // The factor's own refusal (e.g. PASSWORD_INVALID_CREDENTIALS): the step stays for a retry.
      return (context) => refused(context.lastRefusal ?? 'INTERNAL');
    case 'outOfTurn':
      return refused('JOURNEY_STEP_OUT_OF_TURN', { expectedStep: step });
    case 'notOffered':
      return refused('JOURNEY_OPTION_NOT_OFFERED');
    case 'foreignProof':
      return refused('JOURNEY_PROOF_FOREIGN');
    case 'otherUser':
      return refused('JOURNEY_USER_MISMATCH');
    default:
      // awaiting, sending, choosing: the step waits for the client.
      return ok;
  }
}

function endAnswer(end: string, leaf: string): Answer {
  if (end === 'completed') return leaf === 'done' ? ok : refused('JOURNEY_COMPLETED');
  return leaf === 'expired' ? refused('JOURNEY_EXPIRED') : refused('JOURNEY_DENIED', { reason: leaf });
}

/** The states a chart rests in: leaves that do not move on at once (an unguarded `always`). */
function restingLeaves(state: StateJson, path: readonly string[]): string[][] {
  const children = Object.entries(state.states ?? {});
  if (children.length > 0) return children.flatMap(([name, child]) => restingLeaves(child, [...path, name]));
  const transient = (state.always ?? []).some((transition) => transition.guard === undefined);
  return transient ? [] : [[...path]];
}

export function journeyAnswers(config: StateJson): Answers<string, JourneyContext> {
  return Object.fromEntries(
    restingLeaves(config, []).map((path) => {
      const [top = '', step = '', leaf = ''] = path;
      return [path.join('.'), top === 'steps' ? stepAnswer(step, leaf) : endAnswer(top, step)];
    }),
  );
}
