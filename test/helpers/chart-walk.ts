import { type AnyActorScope, type AnyMachineSnapshot, type AnyStateMachine, type AnyTransitionDefinition, createActor } from 'xstate';
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
  // A transition into a state that moves on at once holds when one of that state's own does.
  const holds = (transition: AnyTransitionDefinition): boolean => {
    const target = transition.target?.[0];
    const path = target?.path.join('.') ?? '';
    return reached === path || reached.startsWith(`${path}.`) || (target?.always ?? []).some(holds);
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

/** Whether a transition enters a state (or an initial descendant) that moves on at once. */
const entersEventless = (transition: AnyTransitionDefinition): boolean => (transition.target ?? []).some(hasEventless);
const hasEventless = (node: AnyTransitionDefinition['source']): boolean => (node.always?.length ?? 0) > 0 || Object.values(node.states).some(hasEventless);

const scopes = new WeakMap<AnyStateMachine, AnyActorScope>();
const ignore = () => {};
/** An inert scope for the machine's pure microsteps (src/engine/transitions.ts builds the same). */
function scopeOf(machine: AnyStateMachine): AnyActorScope {
  const self = createActor(machine);
  const scope = scopes.get(machine) ?? { self, id: '', sessionId: '', logger: ignore, defer: ignore, system: self.system, stopChild: ignore, emit: ignore, actionExecutor: ignore };
  scopes.set(machine, scope);
  return scope;
}

/** The eventless transitions an event's step passed through on its way (a journey's choice routes
 * as it is entered): between each two microsteps, of each active `always` list, the first whose
 * target holds the state the next microstep reached. */
function eventlessOnTheWay(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: Event): AnyTransitionDefinition[] {
  const steps = machine.microstep(snapshot, event, scopeOf(machine));
  return steps.slice(0, -1).flatMap((before, index) => {
    const reached = stateValueToString(steps[index + 1]?.value ?? '');
    const holds = (transition: AnyTransitionDefinition) => {
      const path = transition.target?.[0]?.path.join('.') ?? '';
      return reached === path || reached.startsWith(`${path}.`);
    };
    return before._nodes.flatMap((node: AnyMachineSnapshot['_nodes'][number]) => {
      const first = (node.always ?? []).find(holds);
      return first === undefined ? [] : [first];
    });
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
        const onTheWay = transitions.some(entersEventless) ? eventlessOnTheWay(machine, snapshot, event) : [];
        for (const transition of [...transitions, ...onTheWay]) if (!taken.has(transition)) taken.set(transition, extended);
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
