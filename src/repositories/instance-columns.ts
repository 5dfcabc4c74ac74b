import type { Created, Instance, LoggedEvent, MachineTypes, Written } from '../engine/definition.js';
import { toJson } from './json.js';

// The columns every statechart instance row shares (flows, refresh-token families), as the runner's
// writes fill them: the machine version, input, state value, context, the log (a JSON array in the
// row, so a step writes the instance and its log in one statement) and the version check.

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

/** The columns of a step: `log` is the instance's log as loaded, to which the step's events are added. */
export function writtenColumns<T extends MachineTypes>(instance: Instance<T>, log: readonly LoggedEvent[], next: Written<T>) {
  return {
    stateValue: next.stateValue,
    context: toJson(next.context),
    events: toJson([...log, ...next.events]),
    version: instance.version + next.events.length,
    updatedAt: new Date(next.events[0]?.at ?? 0),
  };
}
