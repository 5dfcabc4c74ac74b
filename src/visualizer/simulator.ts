import { isDeepStrictEqual } from 'node:util';
import type { Chart } from '../engine/definition.js';
import { apply, enabledTransition, type NamedEffect, start, stateOf } from '../engine/transitions.js';
import { AuthError } from '../errors.js';
import type { MachineSamples, SampleEvent } from './samples.js';

// The simulator (issue 9 §4): a fresh instance of a machine, started from its sample input and
// moved by sample events the caller picks, entirely in memory. Effects are named, never performed:
// nothing is sent and nothing is stored. Stateless: the caller sends every event it picked so far
// and gets the state they lead to, each step's effects, and the choices of the state reached.

interface SimulatedStep {
  readonly event: { readonly type: string; readonly [field: string]: unknown };
  readonly state: string;
  readonly effects: readonly NamedEffect[];
}

interface Choice {
  /** "code.submit [isRequestIdMismatch] → pending.requestIdRefused" */
  readonly label: string;
  readonly event: SampleEvent;
  readonly guard: string | null;
  readonly target: string;
}

export interface Simulation {
  readonly machine: string;
  readonly input: object;
  readonly state: string;
  readonly context: unknown;
  readonly history: readonly SimulatedStep[];
  readonly choices: readonly Choice[];
}

/** The most events one simulation replays (a request body stays small). */
export const MAX_SIMULATED_EVENTS = 100;

function simulate(definition: Chart, samples: MachineSamples, picked: readonly unknown[]): Simulation {
  const machine = definition.machine;
  const input = samples.inputs[0] ?? {};
  const started = start(machine, input);
  let snapshot = started.snapshot;
  const history: SimulatedStep[] = [{ event: { type: 'xstate.init' }, state: stateOf(snapshot), effects: started.effects }];
  for (const candidate of picked) {
    // Only the machine's own sample events: a simulation never feeds a machine arbitrary data.
    const event = samples.events.find((sample) => isDeepStrictEqual(sample, candidate));
    if (event === undefined) throw new AuthError('VALIDATION_FAILED', { message: 'events: each event must be one of the choices the simulator offered' });
    const applied = apply(machine, snapshot, event);
    if (!applied.accepted) throw new AuthError('VALIDATION_FAILED', { message: `events: ${event.type} is not accepted in ${stateOf(snapshot)}` });
    snapshot = applied.snapshot;
    history.push({ event, state: stateOf(snapshot), effects: applied.effects });
  }
  return { machine: definition.name, input, state: stateOf(snapshot), context: snapshot.context, history, choices: choicesFrom(definition, samples, snapshot) };
}

/** The sample events the current state accepts, one per distinct transition they take. */
function choicesFrom(definition: Chart, samples: MachineSamples, snapshot: ReturnType<typeof start>['snapshot']): Choice[] {
  const choices: Choice[] = [];
  for (const event of samples.events) {
    const applied = apply(definition.machine, snapshot, event);
    if (!applied.accepted) continue;
    const target = stateOf(applied.snapshot);
    const guard = enabledTransition(definition.machine, snapshot, event)?.guard ?? null;
    const label = `${event.type}${guard === null ? '' : ` [${guard}]`} → ${target}`;
    if (!choices.some((choice) => choice.label === label)) choices.push({ label, event, guard, target });
  }
  return choices;
}

/** The simulator of every registered machine that has samples, by machine name. */
export function createSimulator(definitions: readonly Chart[], samples: ReadonlyMap<string, MachineSamples>) {
  // Maps: a caller-supplied machine name never reaches an inherited property.
  const byName = new Map(definitions.map((definition) => [definition.name, definition] as const));
  return (name: string, events: readonly unknown[]): Simulation => {
    const definition = byName.get(name);
    const sample = samples.get(name);
    if (definition === undefined || sample === undefined) throw new AuthError('MACHINE_NOT_FOUND');
    return simulate(definition, sample, events);
  };
}
