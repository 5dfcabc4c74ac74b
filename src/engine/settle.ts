import type { AnyMachineSnapshot } from 'xstate';
import type { Provider } from '../storage/migrate.js';
import type { Statement, Tx } from '../storage/prisma.js';
import type { EffectContext, EventInput, LoggedEvent, MachineTypes } from './definition.js';
import type { ErasedMachine, Outputs } from './registered.js';
import { apply, type NamedEffect, stateOf, type Transition } from './transitions.js';

// Within one step: the inline effects of a transition are performed and what they report applied
// at once, until the machine settles; the after-commit effects are collected, to wait for the
// commit of the write.

/** Bound on effect → event → effect chains (inline ones within a step, after-commit ones across). */
export const MAX_CHAINED_EVENTS = 8;

/** An after-commit effect of a step, waiting for the commit of its write. */
export interface Deferred {
  readonly machine: ErasedMachine;
  readonly effect: NamedEffect;
  readonly context: EffectContext<MachineTypes>;
  /** The step's outputs (the same record as `context.outputs`): where this effect's output goes. */
  readonly outputs: Outputs;
}

/** A statement an optimistic step queued; `checked` when it is a step's version-checked UPDATE,
 * `guarded` when that UPDATE has a form that fails on a lost race, for a batch (StepWrites). */
export interface Queued {
  readonly statement: Statement;
  readonly checked: boolean;
  readonly guarded?: () => readonly Statement[];
}

/** The transaction a step runs in, and where it leaves what runs after the commit. */
export interface StepScope {
  readonly tx: Tx;
  readonly provider: Provider;
  readonly afterCommit: Deferred[];
  /** null: the interactive transaction, where each statement is sent as it comes. A list: an
   * optimistic step (no transaction open; `tx` reads outside one), whose statements wait here to be
   * sent after the work, together (./queued-writes.ts). */
  readonly queue: Queued[] | null;
}

/** The instance a transition belongs to, as loaded (row null and version 0 while it is created). */
export interface StepBase {
  readonly id: string;
  readonly row: object | null;
  readonly version: number;
  readonly at: number;
  readonly request: MachineTypes['request'];
}

export interface Settled {
  readonly snapshot: AnyMachineSnapshot;
  /** The events the inline effects reported, logged after the one that started the step. */
  readonly events: readonly LoggedEvent[];
  /** Row fields the inline effects set, written with the instance. */
  readonly patch: object;
  /** Statements the inline effects asked to send with the instance's write. */
  readonly writes: readonly Statement[];
  readonly later: readonly Deferred[];
}

/** Performs the inline effects of a transition and applies what they report, until the machine
 * settles; collects the effects that run later. `outputs` receives what the effects return. */
export async function settle(scope: StepScope, machine: ErasedMachine, first: Transition, base: StepBase, outputs: Outputs): Promise<Settled> {
  const events: LoggedEvent[] = [];
  const later: Deferred[] = [];
  const writes: Statement[] = [];
  let patch: object = {};
  let transition = first;
  for (let chained = 0; ; chained++) {
    const context: EffectContext<MachineTypes> = {
      tx: scope.tx,
      provider: scope.provider,
      instanceId: base.id,
      row: base.row,
      context: transition.snapshot.context,
      at: base.at,
      request: base.request,
      outputs,
    };
    const reported: EventInput<MachineTypes>[] = [];
    for (const effect of transition.effects) {
      const handler = machine.handler(effect);
      if (handler.phase !== 'inline') {
        later.push({ machine, effect, context, outputs });
        continue;
      }
      const result = await handler.run(effect.params, context);
      if (result?.patch !== undefined) patch = { ...patch, ...result.patch };
      if (result?.writes !== undefined) writes.push(...result.writes);
      if (result?.output !== undefined) outputs[effect.type] = result.output;
      if (result?.event !== undefined) reported.push(result.event);
    }
    const next = reported.shift();
    if (next === undefined) return { snapshot: transition.snapshot, events, patch, writes, later };
    if (chained >= MAX_CHAINED_EVENTS || reported.length > 0) throw new Error(`${machine.name}: inline effects reported too many events`);
    const event = { ...next, at: base.at };
    transition = apply(machine.machine, transition.snapshot, event);
    if (!transition.accepted) throw new Error(`${machine.name}: refused ${event.type}, reported by its own effect`);
    events.push({ seq: base.version + events.length + 2, type: event.type, at: base.at, state: stateOf(transition.snapshot), fields: machine.logged(event) });
  }
}
