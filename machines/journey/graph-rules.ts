import { atomKey, canHold } from './conditions.js';
import { FACTOR_METHODS, type JourneyDocument } from './document.js';
import { ENDS, isEnd, loops, predecessors, reachable, type Steps, shortestPath, stepOf, successors } from './graph.js';
import { type Problem, problem, quote } from './problem.js';

// The rules about paths (design note i19 §1.4): every step can be reached, every path ends, some
// path completes and none completes without proving a factor, every loop is bounded, and no path
// proves one method twice. They assume every target names a step or an end (reference-rules.ts).

const shown = (path: readonly string[]): string => path.map((id) => (isEnd(id) ? id : quote(id))).join(' → ');

export function graphProblems(doc: JourneyDocument): Problem[] {
  const ids = Object.keys(doc.steps);
  const found: Problem[] = [];
  // UNREACHABLE_STEP: breadth first from the start over every outcome.
  const fromStart = reachable(doc.steps, [doc.start]);
  for (const id of ids.filter((id) => !fromStart.has(id))) found.push(problem('UNREACHABLE_STEP', `step ${quote(id)} cannot be reached from ${quote(doc.start)}`, id));
  found.push(...neverEnds(doc.steps));
  if (!fromStart.has('complete')) found.push(problem('NO_COMPLETE', 'no path completes the journey', null));
  // COMPLETES_WITHOUT_FACTOR: a path to complete that goes through no factor step.
  const bare = shortestPath(doc.steps, doc.start, 'complete', (id) => stepOf(doc.steps, id)?.kind !== 'factor');
  if (bare !== null) found.push(problem('COMPLETES_WITHOUT_FACTOR', `${shown(bare)} proves nothing: every path to complete must pass a factor step`, bare.at(-2) ?? null, bare));
  found.push(...unboundedLoops(doc.steps), ...sameFactorTwice(doc.steps));
  return found;
}

/** Whether a step bounds how often it is entered: entered once too often, it ends the journey (denied). */
function bounded(steps: Steps, id: string): boolean {
  const step = stepOf(steps, id);
  return (step?.kind === 'factor' || step?.kind === 'choice') && step.maxVisits !== undefined;
}

/**
 * NEVER_ENDS: breadth first from the ways out (the two ends, and the steps with maxVisits) over the
 * reversed graph; a step this never meets has no path that ends.
 */
function neverEnds(steps: Steps): Problem[] {
  const ids = Object.keys(steps);
  const before = predecessors(steps);
  const canEnd = reachable(steps, [...ENDS, ...ids.filter((id) => bounded(steps, id))], (id) => before.get(id) ?? []);
  return ids
    .filter((id) => !canEnd.has(id))
    .map((id) => {
      const leadsTo = [...reachable(steps, [id])].filter((other) => other !== id);
      const where = leadsTo.length === 0 ? 'itself' : leadsTo.map(quote).join(', ');
      return problem('NEVER_ENDS', `from step ${quote(id)} no path ends (it only leads to ${where})`, id, [id, ...leadsTo]);
    });
}

/** UNBOUNDED_LOOP: every loop holds a step with maxVisits (the journey's way to leave it). */
function unboundedLoops(steps: Steps): Problem[] {
  return loops(steps)
    .filter((loop) => !loop.some((id) => bounded(steps, id)))
    .map((loop) => {
      const first = loop[0] ?? '';
      const message = loop.length === 1 ? `step ${quote(first)} leads back to itself with no maxVisits` : `steps ${loop.map(quote).join(', ')} form a loop with no maxVisits`;
      return problem('UNBOUNDED_LOOP', `${message}: give one of them maxVisits`, first, loop);
    });
}

/**
 * SAME_FACTOR_TWICE (a warning): a factor step that a path can reach after a factor step of the same
 * method has passed. amr lists a method once, so the second proof earns no `mfa` (Mosaic §3.4). A
 * choice option or branch case whose condition cannot hold once that method is proved (`not proved`)
 * is not followed: that is how a journey says "another method".
 */
function sameFactorTwice(steps: Steps): Problem[] {
  const found: Problem[] = [];
  for (const [first, step] of Object.entries(steps)) {
    if (step.kind !== 'factor') continue;
    const method = FACTOR_METHODS[step.factor];
    const proved = new Map([[atomKey({ proved: method }), true]]);
    const open = (id: string): string[] => {
      const at = stepOf(steps, id);
      if (at?.kind === 'choice') return [...at.options.filter((option) => option.when === undefined || canHold(option.when, proved) !== false).map((option) => option.step), at.none];
      if (at?.kind === 'branch') return [...at.cases.filter((entry) => canHold(entry.when, proved) !== false).map((entry) => entry.next), at.otherwise];
      return successors(steps, id);
    };
    for (const later of reachable(steps, [step.passed], open)) {
      const again = stepOf(steps, later);
      if (again?.kind === 'factor' && FACTOR_METHODS[again.factor] === method)
        found.push(problem('SAME_FACTOR_TWICE', `${quote(later)} after ${quote(first)}: both prove ${method}, and amr shows one method once`, later, [first, later]));
    }
  }
  return found;
}
