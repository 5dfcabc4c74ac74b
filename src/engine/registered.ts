import type { AnyMachineSnapshot } from 'xstate';
import type { Answer } from '../../machines/shared/answers.js';
import type { EffectHandler, MachineTypes, RegisteredMachine, Step } from './definition.js';
import { type NamedEffect, stateOf } from './transitions.js';

// A registered machine as the runner handles it: every machine alike, its types erased. The typed
// API (TxSteps, Step<T>) is what callers see; the casts between the two live here and nowhere else
// in the engine's stepping code.

/** The machine with its type parameters erased (the runner's view). */
export const erase = <T extends MachineTypes>(machine: RegisteredMachine<T>): RegisteredMachine<MachineTypes> => machine as unknown as RegisteredMachine<MachineTypes>;

/** One step's effect outputs by effect name, filled by the runner only. */
export type Outputs = Record<string, unknown>;

export function answerOf<T extends MachineTypes>(machine: RegisteredMachine<T>, state: string, context: T['context']): Answer {
  const answer = (machine.definition.answers as Readonly<Record<string, Answer | ((context: T['context']) => Answer)>>)[state];
  if (answer === undefined) throw new Error(`${machine.definition.name}: no answer declared for state ${state}`);
  return typeof answer === 'function' ? answer(context) : answer;
}

/** Where an instance stands, typed for the machine's caller. */
export function stepOf<T extends MachineTypes>(machine: RegisteredMachine<T>, id: string, accepted: boolean, snapshot: AnyMachineSnapshot, outputs: Outputs): Step<T> {
  const state = stateOf(snapshot) as T['state'];
  return { id, accepted, state, context: snapshot.context as T['context'], answer: answerOf(machine, state, snapshot.context), outputs };
}

export function handlerOf(machine: RegisteredMachine<MachineTypes>, effect: NamedEffect): EffectHandler<MachineTypes, unknown, unknown> {
  const handler = (machine.handlers as Readonly<Record<string, EffectHandler<MachineTypes, unknown, unknown>>>)[effect.type];
  // Checked at start for every machine (src/engine/effect-check.ts): reaching this is a bug.
  if (handler === undefined) throw new Error(`${machine.definition.name}: no handler for effect ${effect.type}`);
  return handler;
}
