import type { JourneyDocument, Step } from './document.js';

// A journey document seen as a directed graph: steps are nodes, each outcome an edge to a step or
// to one of the two ends. The algorithms are the textbook ones, written plainly: breadth-first
// search (reachability, a shortest path) and Tarjan's strongly connected components (loops).
// Iteration follows the document's own order everywhere, so results, and the messages built from
// them, are the same on every run.

/** The two ends a journey can reach; they are not steps. */
export const ENDS = ['complete', 'deny'] as const;
export const isEnd = (target: string): boolean => target === 'complete' || target === 'deny';

export type Steps = JourneyDocument['steps'];

/** Where a step's outcomes lead, in the order they are written (a choice's options, then `none`). */
export function targetsOf(step: Step): string[] {
  switch (step.kind) {
    case 'identify':
      return [step.next];
    case 'factor':
      return [step.passed, ...(step.failed === undefined ? [] : [step.failed]), step.locked];
    case 'choice':
      return [...step.options.map((option) => option.step), step.none];
    case 'branch':
      return [...step.cases.map((entry) => entry.next), step.otherwise];
  }
}

/** Every step (and end) reachable from `from`, `from` included, following `next` (default: every outcome). */
export function reachable(steps: Steps, from: readonly string[], next: (id: string) => readonly string[] = (id) => successors(steps, id)): Set<string> {
  const seen = new Set<string>(from);
  const queue = [...from];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const target of next(id)) {
      if (seen.has(target)) continue;
      seen.add(target);
      queue.push(target);
    }
  }
  return seen;
}

/** The step of that id, if the document has one (own keys only: a step id may well be "constructor"). */
export const stepOf = (steps: Steps, id: string): Step | undefined => (Object.hasOwn(steps, id) ? steps[id] : undefined);

/** A step's distinct targets (ends and dangling targets have none of their own). */
export function successors(steps: Steps, id: string): string[] {
  const step = stepOf(steps, id);
  return step === undefined ? [] : [...new Set(targetsOf(step))];
}

/** The steps that lead to each step or end (the graph reversed). */
export function predecessors(steps: Steps): Map<string, string[]> {
  const before = new Map<string, string[]>();
  for (const id of Object.keys(steps)) {
    for (const target of successors(steps, id)) before.set(target, [...(before.get(target) ?? []), id]);
  }
  return before;
}

/**
 * A shortest path from `from` to `to` that goes only through steps `through` allows (breadth first,
 * remembering where each step was first reached from), or null when there is none.
 */
export function shortestPath(steps: Steps, from: string, to: string, through: (id: string) => boolean): string[] | null {
  const cameFrom = new Map<string, string | null>([[from, null]]);
  const queue = [from];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    if (id === to) {
      const path: string[] = [];
      for (let at: string | null | undefined = id; at !== null && at !== undefined; at = cameFrom.get(at)) path.unshift(at);
      return path;
    }
    if (id !== from && !through(id)) continue;
    for (const target of successors(steps, id)) {
      if (cameFrom.has(target)) continue;
      cameFrom.set(target, id);
      queue.push(target);
    }
  }
  return null;
}

/**
 * The loops of the graph: Tarjan's strongly connected components that hold a cycle (more than one
 * step, or one step that targets itself). Each component lists its steps in document order.
 */
export function loops(steps: Steps): string[][] {
  const ids = Object.keys(steps);
  const index = new Map<string, number>(); // when a step was first visited
  const low = new Map<string, number>(); // the earliest visit reachable from it through the stack
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (id: string): void => {
    index.set(id, index.size);
    low.set(id, index.get(id) ?? 0);
    stack.push(id);
    onStack.add(id);
    for (const target of successors(steps, id)) {
      if (!index.has(target)) {
        visit(target);
        low.set(id, Math.min(low.get(id) ?? 0, low.get(target) ?? 0));
      } else if (onStack.has(target)) low.set(id, Math.min(low.get(id) ?? 0, index.get(target) ?? 0));
    }
    if (low.get(id) !== index.get(id)) return;
    // `id` is the root of a component: everything above it on the stack belongs to it.
    const component: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member);
      component.push(member);
      if (member === id) break;
    }
    components.push(component);
  };
  for (const id of ids) if (!index.has(id)) visit(id);
  const isLoop = (component: readonly string[]) => component.length > 1 || successors(steps, component[0] ?? '').includes(component[0] ?? '');
  return components.filter(isLoop).map((component) => ids.filter((id) => component.includes(id)));
}
