import { atomsOf, canHold, evaluate, satisfiable } from './conditions.js';
import type { JourneyDocument } from './document.js';
import { type Problem, problem, quote } from './problem.js';

// The sanity of choices and branches (warnings: the journey still runs, but part of it never will).
// CONTRADICTION: an option or a case whose condition can never hold, e.g. `all: [holds totp, not
// holds totp]`. SHADOWED_CASE: a branch case never taken because the cases before it already hold
// whenever it does (branches take the first case that holds).

export function conditionProblems(doc: JourneyDocument): Problem[] {
  const found: Problem[] = [];
  for (const [id, step] of Object.entries(doc.steps)) {
    if (step.kind === 'choice') {
      for (const option of step.options) {
        if (option.when !== undefined && canHold(option.when) === false)
          found.push(problem('CONTRADICTION', `option ${quote(option.step)} of ${quote(id)} is never offered: its condition can never hold`, id, [id, option.step]));
      }
    }
    if (step.kind === 'branch') found.push(...branchProblems(id, step.cases));
  }
  return found;
}

type Cases = Extract<JourneyDocument['steps'][string], { kind: 'branch' }>['cases'];

function branchProblems(id: string, cases: Cases): Problem[] {
  const found: Problem[] = [];
  cases.forEach((entry, index) => {
    const number = index + 1;
    if (canHold(entry.when) === false) {
      found.push(problem('CONTRADICTION', `case ${number} of ${quote(id)} is never taken: its condition can never hold`, id, [id, entry.next]));
      return;
    }
    const earlier = cases.slice(0, index);
    if (earlier.length === 0) return;
    // Taken only when it holds and none before it does: can that happen at all?
    const atoms = [entry.when, ...earlier.map((other) => other.when)].flatMap(atomsOf);
    const reached = satisfiable((assignment) => evaluate(entry.when, assignment) && !earlier.some((other) => evaluate(other.when, assignment)), atoms);
    if (reached === false) found.push(problem('SHADOWED_CASE', `case ${number} of ${quote(id)} is never taken: an earlier case holds whenever it does`, id, [id, entry.next]));
  });
  return found;
}
