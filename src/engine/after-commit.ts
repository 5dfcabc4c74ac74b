import { AuthError } from '../errors.js';
import type { EventInput, MachineTypes, Step } from './definition.js';
import type { ErasedMachine } from './registered.js';
import { type Deferred, MAX_CHAINED_EVENTS } from './settle.js';
import { followUpStep, type TxScope } from './steps.js';

// After the commit: the effects that talk to the outside world run, and the event each reports
// back is written as the next step of its instance, in a transaction of its own (whose own
// after-commit effects run next, up to a bound on the chain).

/** The event an after-commit effect reported, to be written as the next step of its instance. */
interface FollowUp {
  readonly machine: ErasedMachine;
  readonly id: string;
  readonly event: EventInput<MachineTypes>;
  readonly request: MachineTypes['request'];
  readonly unrecorded: ((error: unknown) => void) | undefined;
}

/** The latest step of each instance, by id: what the request answers. */
export type Latest = Map<string, Step<MachineTypes>>;

/** One transaction of the runner (again on a lost version race), and what runs after its commit. */
export type Attempt = <R>(work: (scope: TxScope) => Promise<R>, latest: Latest) => Promise<{ result: R; afterCommit: Deferred[] }>;

/** Writes the event an after-commit effect reported; returns what runs after that commit. */
async function record(followUp: FollowUp, latest: Latest, transactionOnce: Attempt): Promise<Deferred[]> {
  const committed = latest.get(followUp.id);
  try {
    const next = await transactionOnce(async (scope) => {
      const instance = await followUp.machine.store.reload({ tx: scope.tx, provider: scope.provider, locks: scope.queue === null }, followUp.id);
      if (instance === null) throw new AuthError('FLOW_NOT_FOUND', { details: { instanceId: followUp.id } });
      await followUpStep(scope, followUp.machine, instance, followUp.event, followUp.request);
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

/** Runs the after-commit effects, then records the events they reported, until none is left. */
export async function runAfterCommit(first: readonly Deferred[], latest: Latest, transactionOnce: Attempt): Promise<void> {
  let afterCommit = first;
  for (let chained = 0; afterCommit.length > 0; chained++) {
    if (chained >= MAX_CHAINED_EVENTS) throw new Error('after-commit effects reported too many events');
    const followUps: FollowUp[] = [];
    for (const deferred of afterCommit) {
      const outcome = await deferred.machine.handler(deferred.effect).run(deferred.effect.params, deferred.context);
      // The step's outputs record is the one `latest` holds: the use case sees this output too.
      if (outcome?.output !== undefined) deferred.outputs[deferred.effect.type] = outcome.output;
      if (outcome?.event !== undefined)
        followUps.push({ machine: deferred.machine, id: deferred.context.instanceId, event: outcome.event, request: deferred.context.request, unrecorded: outcome.unrecorded });
    }
    const next: Deferred[] = [];
    for (const followUp of followUps) next.push(...(await record(followUp, latest, transactionOnce)));
    afterCommit = next;
  }
}
