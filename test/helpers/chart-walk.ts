import type { AnyMachineSnapshot, AnyStateMachine, AnyTransitionDefinition } from 'xstate';
import { toDirectedGraph } from 'xstate/graph';
import { stateValueToString } from '../../machines/shared/state-value.js';
import { leafStates } from '../../src/engine/effect-check.js';
import { apply, start } from '../../src/engine/transitions.js';

// Walks a statechart from sample inputs with sample events, breadth first, and reports every state
// reached and every transition taken (by identity: the transition definitions of the chart), with
// the path that first took it. What the generated tests (test/machines/generated.test.ts) run and
// measure coverage with.

type Event = { readonly type: string; readonly at: number };

export interface Step {
  readonly event: Event;
  /** The state the step left and the one it reached. */
  readonly from: string;
  readonly to: string;
}

export interface Walk {
  readonly input: unknown;
  readonly steps: readonly Step[];
}

export interface ChartCoverage {
  readonly states: { readonly reached: number; readonly total: number; readonly missing: readonly string[] };
  readonly transitions: { readonly reached: number; readonly total: number; readonly missing: readonly string[] };
  /** One walk per transition: the first path that took it. */
  readonly walks: readonly Walk[];
}

const describeTransition = (transition: AnyTransitionDefinition): string => {
  const guard = typeof transition.guard === 'string' ? ` [${transition.guard}]` : (transition.guard as { type?: string } | undefined)?.type ? ` [${(transition.guard as { type: string }).type}]` : '';
  const target = transition.target?.map((node) => node.id).join(',') ?? transition.source.id;
  return `${transition.source.id} --${transition.eventType || '(always)'}${guard}--> ${target}`;
};

/** Every transition of the chart: the evented ones (edges of its directed graph) and the eventless ones. */
export function chartTransitions(machine: AnyStateMachine): AnyTransitionDefinition[] {
  const found = new Set<AnyTransitionDefinition>();
  const visit = (node: ReturnType<typeof toDirectedGraph>) => {
    for (const edge of node.edges) found.add(edge.transition);
    for (const transition of node.stateNode.always ?? []) found.add(transition);
    for (const child of node.children) visit(child);
  };
  visit(toDirectedGraph(machine));
  return [...found];
}

/** The eventless transitions an initial state settled through: of each `always` list, the first
 * whose target holds the state reached (guards are tried in order, targets differ). */
function eventlessTaken(machine: AnyStateMachine, snapshot: AnyMachineSnapshot): AnyTransitionDefinition[] {
  const reached = stateValueToString(snapshot.value);
  const holds = (transition: AnyTransitionDefinition) => {
    const path = transition.target?.[0]?.path.join('.') ?? '';
    return reached === path || reached.startsWith(`${path}.`);
  };
  return chartTransitions(machine)
    .filter((transition) => transition.eventType === '')
    .map((transition) => transition.source)
    .filter((source, index, sources) => sources.indexOf(source) === index)
    .flatMap((source) => {
      const first = (source.always ?? []).find(holds);
      return first === undefined ? [] : [first];
    });
}

export function walkChart(machine: AnyStateMachine, inputs: readonly unknown[], events: readonly Event[], limits = { depth: 10, nodes: 20_000 }): ChartCoverage {
  const allTransitions = chartTransitions(machine);
  const taken = new Map<AnyTransitionDefinition, Walk>();
  const reachedStates = new Set<string>();
  const seen = new Set<string>();
  let queue: { snapshot: AnyMachineSnapshot; walk: Walk }[] = [];

  for (const input of inputs) {
    const { snapshot } = start(machine, input);
    const walk: Walk = { input, steps: [] };
    for (const transition of eventlessTaken(machine, snapshot)) if (!taken.has(transition)) taken.set(transition, walk);
    queue.push({ snapshot, walk });
  }
  for (let depth = 0; depth <= limits.depth && queue.length > 0; depth++) {
    const next: typeof queue = [];
    for (const { snapshot, walk } of queue) {
      const from = stateValueToString(snapshot.value);
      const key = `${from}|${JSON.stringify(snapshot.context)}`;
      if (seen.has(key) || seen.size >= limits.nodes) continue;
      seen.add(key);
      reachedStates.add(from);
      for (const event of events) {
        const transitions = machine.getTransitionData(snapshot, event);
        const applied = apply(machine, snapshot, event);
        if (!applied.accepted) continue;
        const to = stateValueToString(applied.snapshot.value);
        const extended: Walk = { input: walk.input, steps: [...walk.steps, { event, from, to }] };
        for (const transition of transitions) if (!taken.has(transition)) taken.set(transition, extended);
        reachedStates.add(to);
        next.push({ snapshot: applied.snapshot, walk: extended });
      }
    }
    queue = next;
  }

  const leaves = leafStates(machine);
  const missingStates = leaves.filter((state) => !reachedStates.has(state));
  const missingTransitions = allTransitions.filter((transition) => !taken.has(transition)).map(describeTransition);
  return {
    states: { reached: leaves.length - missingStates.length, total: leaves.length, missing: missingStates },
    transitions: { reached: allTransitions.length - missingTransitions.length, total: allTransitions.length, missing: missingTransitions },
    walks: [...new Set(taken.values())],
  };
}
