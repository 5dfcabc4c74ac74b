import type { AnyMachineSnapshot } from 'xstate';
import { AuthError } from '../errors.js';
import { StaleInstanceError } from '../repositories/retried-transaction.js';
import type { EventInput, Instance, LoggedEvent, MachineTypes, StartArgs } from './definition.js';
import type { ErasedMachine, Outputs } from './registered.js';
import { insertInstance, updateInstance } from './queued-writes.js';
import { type StepScope, settle } from './settle.js';
import { apply, restore, start, stateOf } from './transitions.js';

// The steps themselves, on any machine alike: compute the transition (pure), settle its inline
// effects, write the instance and its log in ONE statement (with a version check on an update),
// with the statements those effects handed back for other tables, and leave the after-commit
// effects to wait for the commit. `at` is the time the
// runner stamped on the step; the effects' outputs land in the `outputs` the caller hands in.

/** Creates an instance; returns where it rests. */
export async function begin(scope: StepScope, machine: ErasedMachine, args: StartArgs<MachineTypes>, at: number, outputs: Outputs): Promise<AnyMachineSnapshot> {
  const first = start(machine.machine, args.input);
  const init: LoggedEvent = { seq: 1, type: 'xstate.init', at, state: stateOf(first.snapshot), fields: {} };
  const settled = await settle(scope, machine, first, { id: args.id, row: null, version: 0, at, request: args.request }, outputs);
  const created = {
    id: args.id,
    machineVersion: machine.version,
    input: args.input,
    stateValue: stateOf(settled.snapshot),
    context: settled.snapshot.context,
    events: [init, ...settled.events],
    create: args.create,
    patch: settled.patch,
    appId: args.appId,
  };
  await insertInstance(scope, machine, created, settled.writes);
  scope.afterCommit.push(...settled.later);
  return settled.snapshot;
}

/** Applies an event to a loaded instance; a refused event writes nothing. */
export async function advance(
  scope: StepScope,
  machine: ErasedMachine,
  instance: Instance<MachineTypes>,
  input: EventInput<MachineTypes>,
  step: { readonly at: number; readonly request: MachineTypes['request'] },
  outputs: Outputs,
): Promise<{ accepted: boolean; snapshot: AnyMachineSnapshot; after?: Instance<MachineTypes> }> {
  const { at, request } = step;
  const event = { ...input, at };
  const current = restore(machine.machine, instance.stateValue, instance.context);
  const first = apply(machine.machine, current, event);
  if (!first.accepted) return { accepted: false, snapshot: current };
  const logged: LoggedEvent = { seq: instance.version + 1, type: event.type, at, state: stateOf(first.snapshot), fields: machine.logged(event) };
  const settled = await settle(scope, machine, first, { id: instance.id, row: instance.row, version: instance.version, at, request }, outputs);
  const next = { stateValue: stateOf(settled.snapshot), context: settled.snapshot.context, events: [logged, ...settled.events], patch: settled.patch, appId: request.app.id };
  await updateInstance(scope, machine, instance, next, settled.writes);
  scope.afterCommit.push(...settled.later);
  // The instance as this step leaves it, for a later step of the same request; not when the step
  // patched row fields (only the store knows how those read back).
  if (Object.keys(settled.patch).length > 0) return { accepted: true, snapshot: settled.snapshot };
  const after = { ...instance, version: instance.version + next.events.length, stateValue: next.stateValue, context: next.context };
  return { accepted: true, snapshot: settled.snapshot, after };
}

/** An instance of another version of the machine is refused (410). */
export function assertVersion(machine: ErasedMachine, instance: Instance<MachineTypes>): void {
  if (instance.machineVersion !== machine.version) throw new AuthError('FLOW_VERSION_RETIRED', { details: { instanceId: instance.id } });
}

/**
 * The same event to many instances in set-based statements, when the machine moves every one
 * that accepts it to the same state without effects and without changing its context. Returns
 * how many moved, or the instances that accept it when they must be sent the event one by one.
 */
export async function moveAlike(
  scope: StepScope,
  machine: ErasedMachine,
  instances: readonly Instance<MachineTypes>[],
  input: EventInput<MachineTypes>,
  step: { readonly at: number; readonly request: MachineTypes['request'] },
): Promise<number | readonly Instance<MachineTypes>[]> {
  const { at, request } = step;
  const event = { ...input, at };
  const moves = instances.map((instance) => ({ instance, next: apply(machine.machine, restore(machine.machine, instance.stateValue, instance.context), event) }));
  const accepted = moves.filter((move) => move.next.accepted);
  const target = accepted[0] === undefined ? null : stateOf(accepted[0].next.snapshot);
  const uniform = accepted.every(
    (move) => stateOf(move.next.snapshot) === target && move.next.effects.length === 0 && JSON.stringify(move.next.snapshot.context) === JSON.stringify(move.instance.context),
  );
  if (target === null) return 0;
  // An optimistic step queues its writes: there each instance takes the event as its own step.
  if (!uniform || machine.store.moveMany === undefined || scope.queue !== null) return accepted.map((move) => move.instance);
  const moved = await machine.store.moveMany(
    scope.tx,
    accepted.map((move) => move.instance),
    { stateValue: target, event: { type: event.type, at, state: target, fields: machine.logged(event) }, appId: request.app.id },
  );
  if (!moved) throw new StaleInstanceError(accepted.map((move) => move.instance.id).join(','));
  return accepted.length;
}
