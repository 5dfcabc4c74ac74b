import type { Created, Instance, LoggedEvent, MachineTypes, Written } from '../engine/definition.js';
import { toJson } from './json.js';

// The columns every statechart instance row shares (flows, sessions, refresh-token families), as
// the runner's writes fill them: the machine version, input, state value, context, the log entries
// of the creation, and the version check.

export function createdColumns<T extends MachineTypes>(created: Created<T>) {
  return {
    machineVersion: created.machineVersion,
    input: toJson(created.input),
    stateValue: created.stateValue,
    context: toJson(created.context),
    events: toJson(created.events),
    version: created.events.length,
  };
}

/** The columns of a step, its log aside (instances whose log has a table of its own). */
export function stepColumns<T extends MachineTypes>(instance: Instance<T>, next: Written<T>) {
  return {
    stateValue: next.stateValue,
    context: toJson(next.context),
    version: instance.version + next.events.length,
    updatedAt: new Date(next.events[0]?.at ?? 0),
  };
}

/** The columns of a step of an instance that keeps its whole log in its row (flows: a few events
 * each): `log` is the log as loaded, to which the step's events are added. */
export function writtenColumns<T extends MachineTypes>(instance: Instance<T>, log: readonly LoggedEvent[], next: Written<T>) {
  return { ...stepColumns(instance, next), events: toJson([...log, ...next.events]) };
}
