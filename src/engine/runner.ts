import type { Clock } from '../clock.js';
import { AuthError } from '../errors.js';
import { retriedTransaction, StaleInstanceError } from '../repositories/retried-transaction.js';
import type { Storage, Tx } from '../storage/prisma.js';
import type { EffectContext, EventInput, Instance, LoggedEvent, MachineTypes, RegisteredMachine, StartArgs, Step, TxSteps } from './definition.js';
import { loggedFields } from './event-log.js';
import { answerOf, erase, handlerOf, type Outputs, stepOf } from './registered.js';
import { apply, type NamedEffect, restore, start, stateOf, type Transition } from './transitions.js';

// The one runner. A request opens a transaction and takes steps in it: start an instance, or apply
// an event to a loaded one. A step computes the transition (pure), performs the inline effects the
// machine named (whose outcomes are applied at once), writes the instance and its log in ONE
// statement with a version check, then performs the effects that write elsewhere, in the same
// transaction. After the commit come the effects that talk to the outside world (SMTP, Twilio,
// signing); the event each reports back is the next step. A lost version race re-runs the whole
// transaction on fresh data (src/repositories/retried-transaction.ts).

/** Bound on effect → event → effect chains (inline ones within a step, after-commit ones across). */
const MAX_CHAINED_EVENTS = 8;

/** The event an after-commit effect reported, to be written as the next step of its instance. */
type FollowUp = Pick<Deferred, 'machine'> & { id: string; event: EventInput<MachineTypes>; request: MachineTypes['request']; unrecorded: ((error: unknown) => void) | undefined };

interface Deferred {
  readonly machine: RegisteredMachine<MachineTypes>;
  readonly effect: NamedEffect;
  readonly context: EffectContext<MachineTypes>;
  /** The step's outputs (the same record as `context.outputs`): where this effect's output goes. */
  readonly outputs: Outputs;
}

export interface Runner {
  /** Runs `work` in one transaction (again on a lost version race), then the after-commit effects
   * and the steps their events lead to. A `Step` returned by `work` comes back as its latest state. */
  transaction<R>(work: (steps: TxSteps) => Promise<R>): Promise<R>;
  /** Where the event would lead, computed and not applied (nothing is written, no effect runs). */
  evaluate<T extends MachineTypes>(machine: RegisteredMachine<T>, instance: Instance<T>, event: EventInput<T>): Pick<Step<T>, 'accepted' | 'state' | 'answer'>;
}

export function createRunner(deps: { storage: Storage; clock: Clock }): Runner {
  const { storage, clock } = deps;
  /** One transaction's steps; what runs after its commit is collected in `afterCommit`. */
  function stepsIn(tx: Tx, afterCommit: Deferred[], latest: Map<string, Step<MachineTypes>>): TxSteps {
    /** Performs the inline effects of a transition and applies what they report, until the
     * machine settles; collects the effects that run later. */
    async function settle(machine: RegisteredMachine<MachineTypes>, first: Transition, base: { id: string; row: object | null; version: number; at: number; request: MachineTypes['request'] }) {
      const events: LoggedEvent[] = [];
      const later: Deferred[] = [];
      const outputs: Outputs = {};
      let patch: object = {};
      let transition = first;
      for (let chained = 0; ; chained++) {
        const context: EffectContext<MachineTypes> = {
          tx,
          provider: storage.provider,
          instanceId: base.id,
          row: base.row,
          context: transition.snapshot.context as object,
          at: base.at,
          request: base.request,
          outputs,
        };
        const reported: EventInput<MachineTypes>[] = [];
        for (const effect of transition.effects) {
          const handler = handlerOf(machine, effect);
          if (handler.phase !== 'inline') {
            later.push({ machine, effect, context, outputs });
            continue;
          }
          const result = await handler.run(effect.params, context);
          if (result?.patch !== undefined) patch = { ...patch, ...result.patch };
          if (result?.output !== undefined) outputs[effect.type] = result.output;
          if (result?.event !== undefined) reported.push(result.event);
        }
        const next = reported.shift();
        if (next === undefined) return { snapshot: transition.snapshot, events, patch, later, outputs };
        if (chained >= MAX_CHAINED_EVENTS || reported.length > 0) throw new Error(`${machine.definition.name}: inline effects reported too many events`);
        const event = { ...next, at: base.at } as MachineTypes['event'];
        transition = apply(machine.definition.machine, transition.snapshot, event);
        if (!transition.accepted) throw new Error(`${machine.definition.name}: refused ${event.type}, reported by its own effect`);
        events.push({ seq: base.version + events.length + 2, type: event.type, at: base.at, state: stateOf(transition.snapshot), fields: loggedFields(machine.definition, event) });
      }
    }

    async function finish(machine: RegisteredMachine<MachineTypes>, later: readonly Deferred[]): Promise<void> {
      for (const deferred of later) {
        const handler = handlerOf(machine, deferred.effect);
        if (handler.phase === 'afterCommit') {
          afterCommit.push(deferred);
          continue;
        }
        const result = await handler.run(deferred.effect.params, deferred.context);
        if (result?.output !== undefined) deferred.outputs[deferred.effect.type] = result.output;
      }
    }

    const steps: TxSteps = {
      tx,
      provider: storage.provider,
      async start<T extends MachineTypes>(typed: RegisteredMachine<T>, args: StartArgs<T>): Promise<Step<T>> {
        const machine = erase(typed);
        const at = clock.now();
        const first = start(machine.definition.machine, args.input);
        const init: LoggedEvent = { seq: 1, type: 'xstate.init', at, state: stateOf(first.snapshot), fields: {} };
        const settled = await settle(machine, first, { id: args.id, row: null, version: 0, at, request: args.request });
        await machine.store.insert(tx, {
          id: args.id,
          machineVersion: machine.definition.version,
          input: args.input,
          stateValue: stateOf(settled.snapshot),
          context: settled.snapshot.context as object,
          events: [init, ...settled.events],
          create: args.create,
          patch: settled.patch,
          appId: args.appId,
        });
        await finish(machine, settled.later);
        const step = stepOf(machine, args.id, true, settled.snapshot, settled.outputs);
        latest.set(args.id, step);
        return step as Step<T>;
      },

      async send<T extends MachineTypes>(typed: RegisteredMachine<T>, instance: Instance<T>, input: EventInput<T>, request: T['request']): Promise<Step<T>> {
        const machine = erase(typed);
        if (instance.machineVersion !== machine.definition.version) throw new AuthError('FLOW_VERSION_RETIRED', { details: { instanceId: instance.id } });
        const at = clock.now();
        const event = { ...(input as object), at } as MachineTypes['event'];
        const current = restore(machine.definition.machine, instance.stateValue, instance.context);
        const first = apply(machine.definition.machine, current, event);
        if (!first.accepted) return stepOf(machine, instance.id, false, current, {}) as Step<T>;
        const logged: LoggedEvent = { seq: instance.version + 1, type: event.type, at, state: stateOf(first.snapshot), fields: loggedFields(machine.definition, event) };
        const settled = await settle(machine, first, { id: instance.id, row: instance.row, version: instance.version, at, request });
        const written = await machine.store.update(tx, instance as Instance<MachineTypes>, {
          stateValue: stateOf(settled.snapshot),
          context: settled.snapshot.context as object,
          events: [logged, ...settled.events],
          patch: settled.patch,
          appId: request.app.id,
        });
        if (!written) throw new StaleInstanceError(instance.id);
        await finish(machine, settled.later);
        const step = stepOf(machine, instance.id, true, settled.snapshot, settled.outputs);
        latest.set(instance.id, step);
        return step as Step<T>;
      },

      async sendToAll<T extends MachineTypes>(typed: RegisteredMachine<T>, instances: readonly Instance<T>[], input: EventInput<T>, request: T['request']): Promise<number> {
        const machine = erase(typed);
        const at = clock.now();
        const event = { ...(input as object), at } as MachineTypes['event'];
        const moves = instances.map((instance) => ({ instance, next: apply(machine.definition.machine, restore(machine.definition.machine, instance.stateValue, instance.context), event) }));
        const accepted = moves.filter((move) => move.next.accepted);
        const target = accepted[0] === undefined ? null : stateOf(accepted[0].next.snapshot);
        const uniform = accepted.every(
          (move) => stateOf(move.next.snapshot) === target && move.next.effects.length === 0 && JSON.stringify(move.next.snapshot.context) === JSON.stringify(move.instance.context),
        );
        if (target === null) return 0;
        if (uniform && machine.store.moveMany !== undefined) {
          const moved = await machine.store.moveMany(
            tx,
            accepted.map((move) => move.instance as Instance<MachineTypes>),
            {
              stateValue: target,
              event: { type: event.type, at, state: target, fields: loggedFields(machine.definition, event) },
              appId: request.app.id,
            },
          );
          if (!moved) throw new StaleInstanceError(accepted.map((move) => move.instance.id).join(','));
          return accepted.length;
        }
        for (const move of accepted) await steps.send(typed, move.instance, input, request);
        return accepted.length;
      },
    };
    return steps;
  }

  async function transactionOnce<R>(work: (steps: TxSteps) => Promise<R>, latest: Map<string, Step<MachineTypes>>): Promise<{ result: R; afterCommit: Deferred[] }> {
    let afterCommit: Deferred[] = [];
    const result = await retriedTransaction(
      storage.db,
      (tx) => {
        // Each attempt collects its own: a lost attempt's effects never run.
        afterCommit = [];
        return work(stepsIn(tx, afterCommit, latest));
      },
      () => latest.clear(),
    );
    return { result, afterCommit };
  }

  /** Writes the event an after-commit effect reported; returns what runs after that commit. */
  async function record(followUp: FollowUp, latest: Map<string, Step<MachineTypes>>): Promise<Deferred[]> {
    const committed = latest.get(followUp.id);
    try {
      const next = await transactionOnce(async (steps) => {
        const instance = await followUp.machine.store.reload(steps.tx, storage.provider, followUp.id);
        if (instance === null) throw new AuthError('FLOW_NOT_FOUND', { details: { instanceId: followUp.id } });
        return steps.send(followUp.machine, instance, followUp.event, followUp.request);
      }, latest);
      // The follow-up's step answers; what the effects before it returned stays with it.
      const recorded = latest.get(followUp.id);
      if (committed !== undefined && recorded !== undefined) latest.set(followUp.id, { ...recorded, outputs: { ...committed.outputs, ...recorded.outputs } });
      return next.afterCommit;
    } catch (error) {
      // The effect ran (a message went out): failing the request would deny it. Its owner keeps
      // the event; the request answers the committed state, not the one the write would have made.
      if (followUp.unrecorded === undefined) throw error;
      if (committed === undefined) latest.delete(followUp.id);
      else latest.set(followUp.id, committed);
      followUp.unrecorded(error);
      return [];
    }
  }

  return {
    async transaction(work) {
      const latest = new Map<string, Step<MachineTypes>>();
      let { result, afterCommit } = await transactionOnce(work, latest);
      for (let chained = 0; afterCommit.length > 0; chained++) {
        if (chained >= MAX_CHAINED_EVENTS) throw new Error('after-commit effects reported too many events');
        const followUps: FollowUp[] = [];
        for (const deferred of afterCommit) {
          const outcome = await handlerOf(deferred.machine, deferred.effect).run(deferred.effect.params, deferred.context);
          // The step's outputs record is the one `latest` holds: the use case sees this output too.
          if (outcome?.output !== undefined) deferred.outputs[deferred.effect.type] = outcome.output;
          if (outcome?.event !== undefined)
            followUps.push({ machine: deferred.machine, id: deferred.context.instanceId, event: outcome.event, request: deferred.context.request, unrecorded: outcome.unrecorded });
        }
        afterCommit = [];
        for (const followUp of followUps) afterCommit.push(...(await record(followUp, latest)));
      }
      const step = result as Partial<Step<MachineTypes>> | null;
      if (step !== null && typeof step === 'object' && typeof step.id === 'string' && 'answer' in step) result = (latest.get(step.id) ?? result) as typeof result;
      return result;
    },

    evaluate(typed, instance, input) {
      const machine = erase(typed);
      const current = restore(machine.definition.machine, instance.stateValue, instance.context);
      const next = apply(machine.definition.machine, current, { ...(input as object), at: clock.now() } as MachineTypes['event']);
      const state = stateOf(next.snapshot);
      return { accepted: next.accepted, state, answer: answerOf(machine, state, next.snapshot.context) };
    },
  };
}
