import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import type { Answer } from '../../machines/shared/answers.js';
import type { EffectHandler, MachineDefinition, MachineTypes, RegisteredMachine, Step } from './definition.js';
import type { InstanceStore } from './instance-store.js';
import { loggedFields } from './event-log.js';
import { type NamedEffect, stateOf } from './transitions.js';

// A registered machine as the runner handles it: every machine alike. Its types are erased here,
// once per registration, by closures over the typed machine: each closure is checked against the
// machine's own types, so the runner works on an erased view without asserting anything. The
// typed API (TxSteps, Step<T>) is what callers see.

/** One step's effect outputs by effect name, filled by the runner only. */
export type Outputs = Record<string, unknown>;

/** The runner's view of a registered machine. */
export interface ErasedMachine {
  readonly name: string;
  readonly version: number;
  readonly machine: AnyStateMachine;
  readonly store: InstanceStore<MachineTypes>;
  /** The handler of an effect the machine named (every one has one: checked at start). */
  handler(effect: NamedEffect): EffectHandler<MachineTypes, unknown, unknown>;
  /** What of the event the log keeps (the machine's log policy). */
  logged(event: { readonly type: string }): Record<string, unknown>;
  /** Where an instance stands after a step its follow-up events took (no caller types it). */
  step(id: string, accepted: boolean, snapshot: AnyMachineSnapshot, outputs: Outputs): Step<MachineTypes>;
}

/** Erased once per registration: the runner looks its machine up here at every step. */
const erasures = new WeakMap<object, ErasedMachine>();

export function erase<T extends MachineTypes>(machine: RegisteredMachine<T>): ErasedMachine {
  const known = erasures.get(machine);
  if (known !== undefined) return known;
  const { definition, store } = machine;
  // Handler params come from the machine's own actions, typed by the same T.
  const handlers: Readonly<Record<string, EffectHandler<MachineTypes, unknown, unknown>>> = machine.handlers;
  const erased: ErasedMachine = {
    name: definition.name,
    version: definition.version,
    machine: definition.machine,
    store,
    handler(effect) {
      const handler = Object.hasOwn(handlers, effect.type) ? handlers[effect.type] : undefined;
      // Checked at start for every machine (src/engine/effect-check.ts): reaching this is a bug.
      if (handler === undefined) throw new Error(`${definition.name}: no handler for effect ${effect.type}`);
      return handler;
    },
    logged: (event) => loggedFields(definition, event),
    step(id, accepted, snapshot, outputs) {
      const { state, answer } = answerAt(definition, snapshot);
      return { id, accepted, state, context: snapshot.context, answer, outputs };
    },
  };
  erasures.set(machine, erased);
  return erased;
}

/** Whether the machine declares an answer for the state: its resting states are exactly those. */
const isAnswered = <T extends MachineTypes>(definition: MachineDefinition<T>, state: string): state is T['state'] => Object.hasOwn(definition.answers, state);

/** The state a snapshot rests in and what it answers. */
export function answerAt<T extends MachineTypes>(definition: MachineDefinition<T>, snapshot: AnyMachineSnapshot): { state: T['state']; answer: Answer } {
  const state = stateOf(snapshot);
  if (!isAnswered(definition, state)) throw new Error(`${definition.name}: no answer declared for state ${state}`);
  const answer = definition.answers[state];
  return { state, answer: typeof answer === 'function' ? answer(snapshot.context) : answer };
}

/** Where an instance stands, typed for the machine's caller. */
export function stepOf<T extends MachineTypes>(definition: MachineDefinition<T>, id: string, accepted: boolean, snapshot: AnyMachineSnapshot, outputs: Step<T>['outputs']): Step<T> {
  const { state, answer } = answerAt(definition, snapshot);
  return { id, accepted, state, context: snapshot.context, answer, outputs };
}
