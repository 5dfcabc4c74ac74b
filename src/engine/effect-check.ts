import type { AnyStateMachine } from 'xstate';
import { fieldOf } from '../fields.js';
import type { MachineRegistration } from './definition.js';

// Checked when the server starts, for every registered machine: every effect the machine names has
// a handler, no handler is left without an effect, every action the chart references is either an
// effect or implemented by the machine itself (assign), and the answers table has exactly one entry
// per leaf state. A mistake here stops the start instead of surfacing in the middle of a request.

export class MachineRegistrationError extends Error {
  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'MachineRegistrationError';
  }
}

type StateNode = AnyStateMachine['root'];
const allNodes = (node: StateNode): StateNode[] => [node, ...Object.values(node.states).flatMap(allNodes)];

/** Action names the chart refers to (entry, exit, transitions, eventless transitions). */
function referencedActions(machine: AnyStateMachine): Set<string> {
  const names = new Set<string>();
  const add = (actions: readonly unknown[] | undefined) => {
    for (const action of actions ?? []) {
      const name = typeof action === 'string' ? action : fieldOf(action, 'type');
      if (typeof name === 'string' && !name.startsWith('xstate.')) names.add(name);
    }
  };
  for (const node of allNodes(machine.root)) {
    add(node.entry);
    add(node.exit);
    for (const transitions of node.transitions.values()) for (const transition of transitions) add(transition.actions);
    for (const transition of node.always ?? []) add(transition.actions);
  }
  return names;
}

/** Dotted paths of the states a machine can rest in: the leaves, but for transient ones (an
 * unguarded eventless transition always leaves them before anything is stored). */
export function leafStates(machine: AnyStateMachine): string[] {
  return allNodes(machine.root)
    .filter((node) => node !== machine.root && Object.keys(node.states).length === 0)
    .filter((node) => !(node.always ?? []).some((transition) => transition.guard === undefined))
    .map((node) => node.path.join('.'));
}

export function registrationProblems(machine: MachineRegistration): string[] {
  const { definition, handlers } = machine;
  const name = definition.name;
  const effects = new Set<string>(definition.effects);
  const problems: string[] = [];
  for (const effect of effects) if (!Object.hasOwn(handlers, effect)) problems.push(`${name}: no handler for the effect "${effect}"`);
  for (const handler of Object.keys(handlers)) if (!effects.has(handler)) problems.push(`${name}: the handler "${handler}" performs no effect the machine names`);
  const implemented = definition.machine.implementations.actions;
  for (const action of referencedActions(definition.machine)) {
    if (!effects.has(action) && !Object.hasOwn(implemented, action)) problems.push(`${name}: the chart names "${action}", which is neither an effect nor implemented`);
  }
  const leaves = new Set(leafStates(definition.machine));
  const answered = new Set(Object.keys(definition.answers));
  for (const leaf of leaves) if (!answered.has(leaf)) problems.push(`${name}: no answer for the state "${leaf}"`);
  for (const state of answered) if (!leaves.has(state)) problems.push(`${name}: an answer for "${state}", which is not a state`);
  return problems;
}

export function assertRegistrations(machines: readonly MachineRegistration[]): void {
  const problems = machines.flatMap(registrationProblems);
  if (problems.length > 0) throw new MachineRegistrationError(problems);
}
