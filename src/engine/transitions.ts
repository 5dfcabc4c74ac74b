import { type AnyActorScope, type AnyMachineSnapshot, type AnyStateMachine, createActor, type StateValue } from 'xstate';
import { stateValueToString } from '../../machines/shared/state-value.js';
import type { LoggedEvent } from './definition.js';

// The only module of the server that calls XState's pure transition API (test/architecture.test.ts
// holds it to that). A transition computes the next state and names the effects to perform; it
// performs nothing. Instances are stored as a state value and a context, never as XState's own
// snapshot format, so what the database holds stays readable.

export interface NamedEffect {
  readonly type: string;
  readonly params: unknown;
}

export interface Transition {
  readonly accepted: boolean;
  readonly snapshot: AnyMachineSnapshot;
  readonly effects: readonly NamedEffect[];
}

/** XState's own actions (assign and the like) are applied by the transition itself. */
const effectsOf = (actions: readonly { type: string; params?: unknown }[]): NamedEffect[] =>
  actions.filter((action) => !action.type.startsWith('xstate.')).map((action) => ({ type: action.type, params: action.params }));

export const stateOf = (snapshot: AnyMachineSnapshot): string => stateValueToString(snapshot.value);

/** "pending.verifying" → { pending: 'verifying' }: the form XState resolves. */
function parseStateValue(value: string): StateValue {
  const [head, ...rest] = value.split('.');
  return rest.length === 0 ? (head ?? value) : { [head ?? '']: parseStateValue(rest.join('.')) };
}

/** What XState's pure `transition` and `initialTransition` do, without their cost per call: each
 * builds a new inert actor (and two actor systems) for the machine, and that actor computes the
 * machine's initial snapshot eagerly, without input, which throws in every context factory that
 * reads its input (caught by XState, a stack trace each time: 10–20 % of a step, issue 17's
 * profiles). The scope here is built once per machine, the same way (an actor of the machine, its
 * system, the rest inert), and lent to one synchronous call at a time: it collects that call's
 * actions. Machines here spawn no actors and schedule nothing, so the scope holds no state. */
const scopes = new WeakMap<AnyStateMachine, AnyActorScope>();
const ignore = () => {};

function scopeOf(machine: AnyStateMachine): AnyActorScope {
  const known = scopes.get(machine);
  if (known !== undefined) return known;
  const self = createActor(machine);
  const scope: AnyActorScope = { self, id: '', sessionId: '', logger: ignore, defer: ignore, system: self.system, stopChild: ignore, emit: ignore, actionExecutor: ignore };
  scopes.set(machine, scope);
  return scope;
}

/** Runs `compute` with the machine's scope; returns what it computed and the actions it resolved. */
function collecting(machine: AnyStateMachine, compute: (scope: AnyActorScope) => AnyMachineSnapshot): Transition {
  const scope = scopeOf(machine);
  const actions: { type: string; params?: unknown }[] = [];
  scope.actionExecutor = (action) => {
    actions.push(action);
  };
  try {
    return { accepted: true, snapshot: compute(scope), effects: effectsOf(actions) };
  } finally {
    scope.actionExecutor = ignore;
  }
}

export function start(machine: AnyStateMachine, input: unknown): Transition {
  return collecting(machine, (scope) => machine.getInitialSnapshot(scope, input));
}

export function restore(machine: AnyStateMachine, stateValue: string, context: unknown): AnyMachineSnapshot {
  return machine.resolveState({ value: parseStateValue(stateValue), context });
}

export function apply(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: { type: string; at: number }): Transition {
  if (!snapshot.can(event)) return { accepted: false, snapshot, effects: [] };
  return collecting(machine, (scope) => machine.transition(snapshot, event, scope));
}

/** Rebuilds an instance from its input and its log alone (effects are not performed: their
 * outcomes are in the log as the events they reported). */
export function replay(machine: AnyStateMachine, input: unknown, events: readonly LoggedEvent[]): AnyMachineSnapshot {
  return replaySteps(machine, input, events).at(-1) ?? start(machine, input).snapshot;
}

/** The snapshot after each logged event (the creation included), replayed from the input. */
export function replaySteps(machine: AnyStateMachine, input: unknown, events: readonly LoggedEvent[]): AnyMachineSnapshot[] {
  let snapshot = start(machine, input).snapshot;
  const steps: AnyMachineSnapshot[] = [];
  for (const logged of events) {
    if (logged.type !== 'xstate.init') {
      const applied = apply(machine, snapshot, { ...logged.fields, type: logged.type, at: logged.at });
      if (!applied.accepted) throw new Error(`replay: ${machine.id} refused logged event #${logged.seq} ${logged.type} in ${stateOf(snapshot)}`);
      snapshot = applied.snapshot;
    }
    steps.push(snapshot);
  }
  return steps;
}

/** The transition the machine would take for this event (its source state and guard), if any. */
export function enabledTransition(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: { type: string; at: number }): { source: string; guard: string | null } | null {
  const [first] = machine.getTransitionData(snapshot, event);
  if (first === undefined) return null;
  const guard = first.guard;
  return { source: first.source.path.join('.'), guard: typeof guard === 'string' ? guard : typeof guard === 'object' && guard !== null && 'type' in guard ? String(guard.type) : null };
}
