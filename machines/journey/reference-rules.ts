import { type Factor, FACTOR_METHODS, type JourneyDocument } from './document.js';
import { factsOf } from './conditions.js';
import { isEnd, stepOf, targetsOf } from './graph.js';
import { type Problem, problem, quote } from './problem.js';

// The rules about names: what a document refers to must exist, and what it uses must be allowed.
// When a name is wrong, the graph rules (graph-rules.ts) would only repeat the mistake in other
// words ("unreachable", "never ends"), so validate.ts runs them only once these pass.

/** RESERVED_ID, START_NOT_IDENTIFY, DANGLING_TARGET, DUPLICATE_OPTION: the document's own references. */
export function referenceProblems(doc: JourneyDocument): Problem[] {
  const found: Problem[] = [];
  const ids = Object.keys(doc.steps);
  for (const id of ids.filter(isEnd)) found.push(problem('RESERVED_ID', `${quote(id)} is reserved: rename the step`, id));
  const start = stepOf(doc.steps, doc.start);
  if (start?.kind !== 'identify')
    found.push(problem('START_NOT_IDENTIFY', `the journey must start with an identify step, and ${quote(doc.start)} is ${start === undefined ? 'not a step' : `a ${start.kind} step`}`, null));
  // One identify step: the journey identifies its user once, at its start (a start elsewhere is said above).
  const extra = start?.kind === 'identify' ? ids.filter((other) => other !== doc.start && doc.steps[other]?.kind === 'identify') : [];
  for (const id of extra) found.push(problem('START_NOT_IDENTIFY', `step ${quote(id)} identifies the user again: a journey has one identify step, its start`, id));
  for (const id of ids) found.push(...danglingFrom(doc, id));
  return found;
}

function danglingFrom(doc: JourneyDocument, id: string): Problem[] {
  const step = doc.steps[id];
  if (step === undefined) return [];
  const found: Problem[] = [];
  const missing = targetsOf(step).filter((target) => !isEnd(target) && stepOf(doc.steps, target) === undefined);
  for (const target of new Set(missing)) found.push(problem('DANGLING_TARGET', `step ${quote(id)} goes to ${quote(target)}, which is not a step`, id, [id, target]));
  if (step.kind !== 'choice') return found;
  const offered = step.options.map((option) => option.step);
  for (const target of new Set(offered)) {
    const kind = stepOf(doc.steps, target)?.kind;
    if (kind !== undefined && kind !== 'factor')
      found.push(problem('DANGLING_TARGET', `choice ${quote(id)} offers ${quote(target)}, a ${kind} step: a choice offers factor steps only`, id, [id, target]));
    if (isEnd(target))
      found.push(problem('DANGLING_TARGET', `choice ${quote(id)} offers ${quote(target)}: a choice offers factor steps, its "none" says where to go when none is offered`, id, [id, target]));
  }
  for (const target of new Set(offered.filter((target, index) => offered.indexOf(target) !== index)))
    found.push(problem('DUPLICATE_OPTION', `choice ${quote(id)} offers ${quote(target)} more than once`, id, [id, target]));
  return found;
}

/** FACTOR_NOT_ENABLED: every factor step uses a factor the app serves. */
export function enablementProblems(doc: JourneyDocument, enabled: readonly Factor[]): Problem[] {
  return Object.entries(doc.steps).flatMap(([id, step]) =>
    step.kind === 'factor' && !enabled.includes(step.factor)
      ? [problem('FACTOR_NOT_ENABLED', `step ${quote(id)} uses ${step.factor} (${FACTOR_METHODS[step.factor]}), which the app has not enabled`, id)]
      : [],
  );
}

/** UNKNOWN_RESOURCE: every resource a condition tests is one the app lists (skipped when the caller does not say). */
export function resourceProblems(doc: JourneyDocument, resources: readonly string[] | undefined): Problem[] {
  if (resources === undefined) return [];
  const found: Problem[] = [];
  for (const [id, step] of Object.entries(doc.steps)) {
    const conditions =
      step.kind === 'choice' ? step.options.flatMap((option) => (option.when === undefined ? [] : [option.when])) : step.kind === 'branch' ? step.cases.map((entry) => entry.when) : [];
    const tested = conditions.flatMap(factsOf).flatMap((fact) => ('resourceIn' in fact ? fact.resourceIn : []));
    for (const resource of new Set(tested.filter((value) => !resources.includes(value))))
      found.push(problem('UNKNOWN_RESOURCE', `step ${quote(id)} tests resource ${quote(resource)}, which the app does not list`, id));
  }
  return found;
}
