import { type AnyMachineSnapshot, type AnyStateMachine, initialTransition, type StateValue, transition } from 'xstate';
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

export function start(machine: AnyStateMachine, input: unknown): Transition {
  const [snapshot, actions] = initialTransition(machine, input);
  return { accepted: true, snapshot, effects: effectsOf(actions) };
}

export function restore(machine: AnyStateMachine, stateValue: string, context: unknown): AnyMachineSnapshot {
  return machine.resolveState({ value: parseStateValue(stateValue), context });
}

export function apply(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: { type: string; at: number }): Transition {
  if (!snapshot.can(event)) return { accepted: false, snapshot, effects: [] };
  const [next, actions] = transition(machine, snapshot, event);
  return { accepted: true, snapshot: next, effects: effectsOf(actions) };
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
