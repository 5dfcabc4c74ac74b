import type { Clock } from '../clock.js';
import type { EventInput, Instance, MachineTypes, RegisteredMachine, StartArgs, Step, TxSteps } from './definition.js';
import { advance, assertVersion, begin, moveAlike } from './advance.js';
import { writeOwn } from './queued-writes.js';
import { erase, type ErasedMachine, stepOf } from './registered.js';
import type { StepScope } from './settle.js';

// The steps a use case takes in one transaction, typed per machine: each erases its machine
// (src/engine/registered.ts), takes the step on the erased machine (./advance.ts), and hands the
// caller a Step typed by the same machine. The latest step of each instance is kept for the runner:
// after-commit effects may move the instance again before the request answers.

export interface TxScope extends StepScope {
  readonly clock: Clock;
  /** The latest step of each instance this transaction (and its follow-ups) moved. */
  readonly latest: Map<string, Step<MachineTypes>>;
}

export function stepsIn(scope: TxScope): TxSteps {
  return {
    tx: scope.tx,
    provider: scope.provider,
    locks: scope.queue === null,
    write: (statement) => writeOwn(scope, statement),
    start: (machine, args) => startStep(scope, machine, args),
    send: (machine, instance, input, request) => sendStep(scope, machine, instance, input, request),
    sendToAll: (machine, instances, input, request) => sendToAllSteps(scope, machine, instances, input, request),
  };
}

async function startStep<T extends MachineTypes>(scope: TxScope, machine: RegisteredMachine<T>, args: StartArgs<T>): Promise<Step<T>> {
  const outputs: Step<T>['outputs'] = {};
  const snapshot = await begin(scope, erase(machine), args, scope.clock.now(), outputs);
  const step = stepOf(machine.definition, args.id, true, snapshot, outputs);
  scope.latest.set(args.id, step);
  return step;
}

async function sendStep<T extends MachineTypes>(scope: TxScope, machine: RegisteredMachine<T>, instance: Instance<T>, input: EventInput<T>, request: T['request']): Promise<Step<T>> {
  const erased = erase(machine);
  assertVersion(erased, instance);
  const outputs: Step<T>['outputs'] = {};
  const moved = await advance(scope, erased, instance, input, { at: scope.clock.now(), request }, outputs);
  const step = stepOf(machine.definition, instance.id, moved.accepted, moved.snapshot, outputs);
  if (moved.accepted) scope.latest.set(instance.id, step);
  // Only this typed call knows the instance is the machine's own: the step hands it on typed.
  return moved.after === undefined ? step : { ...step, after: { ...instance, version: moved.after.version, stateValue: moved.after.stateValue, context: step.context } };
}

async function sendToAllSteps<T extends MachineTypes>(scope: TxScope, machine: RegisteredMachine<T>, instances: readonly Instance<T>[], input: EventInput<T>, request: T['request']): Promise<number> {
  const moved = await moveAlike(scope, erase(machine), instances, input, { at: scope.clock.now(), request });
  if (typeof moved === 'number') return moved;
  // Not alike: each instance takes the event as its own step (its effects, its own write).
  const accepting = new Set(moved);
  for (const instance of instances.filter((one) => accepting.has(one))) await sendStep(scope, machine, instance, input, request);
  return moved.length;
}

/** The step of an event an after-commit effect reported (no caller types it: the runner keeps it). */
export async function followUpStep(scope: TxScope, machine: ErasedMachine, instance: Instance<MachineTypes>, input: EventInput<MachineTypes>, request: MachineTypes['request']): Promise<void> {
  assertVersion(machine, instance);
  const outputs = {};
  const moved = await advance(scope, machine, instance, input, { at: scope.clock.now(), request }, outputs);
  if (moved.accepted) scope.latest.set(instance.id, machine.step(instance.id, true, moved.snapshot, outputs));
}
