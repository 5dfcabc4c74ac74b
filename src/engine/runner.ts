import type { Clock } from '../clock.js';
import { fieldOf } from '../fields.js';
import { retriedTransaction } from '../repositories/retried-transaction.js';
import type { Storage } from '../storage/prisma.js';
import type { EventInput, Instance, MachineTypes, RegisteredMachine, Step, TxSteps } from './definition.js';
import { type Attempt, type Latest, runAfterCommit } from './after-commit.js';
import { answerAt } from './registered.js';
import type { Deferred, Queued } from './settle.js';
import { sendQueued } from './queued-writes.js';
import { stepsIn, type TxScope } from './steps.js';
import { apply, restore } from './transitions.js';

// The one runner. A request's work takes steps: start an instance, or apply an event to a loaded
// one. A step computes the transition (pure), performs the inline effects the machine named (whose
// outcomes are applied at once), and writes the instance and its log in ONE statement with a
// version check, with the statements those effects handed back for other tables. After the commit
// come the effects that talk to the outside world (SMTP, Twilio, signing); the event each reports
// back is the next step. `step` (every hot path, issue 17) runs the work with plain reads and sends
// its writes after it as one statement or one batch (./queued-writes.ts); `transaction` runs it in
// an interactive transaction, and so does `step` after a lost race. A lost version race there
// re-runs the whole work on fresh data (src/repositories/retried-transaction.ts).

export interface Runner {
  /** Runs `work` in one transaction (again on a lost version race), then the after-commit effects
   * and the steps their events lead to. A `Step` returned by `work` comes back as its latest state. */
  transaction<R>(work: (steps: TxSteps) => Promise<R>): Promise<R>;
  /** The same, first tried optimistically (issue 17: the hot paths): the work reads without a
   * transaction and its writes are sent after it as one statement or one batch; a lost race runs it
   * again in the locked interactive transaction, so a burst on one instance queues rather than
   * failing. Only for machines whose stores give their writes as values (InstanceStore.writes) and
   * whose effects write nothing themselves (src/engine/queued-writes.ts). */
  step<R>(work: (steps: TxSteps) => Promise<R>): Promise<R>;
  /** Where the event would lead, computed and not applied (nothing is written, no effect runs). */
  evaluate<T extends MachineTypes>(machine: RegisteredMachine<T>, instance: Instance<T>, event: EventInput<T>): Pick<Step<T>, 'accepted' | 'state' | 'answer'>;
}

/** Interactive attempts after a lost optimistic one (three attempts in all, as `transaction`). */
const LOCKED_ATTEMPTS_AFTER_OPTIMISTIC = 2;

export function createRunner(deps: { storage: Storage; clock: Clock }): Runner {
  const { storage, clock } = deps;

  /** The interactive transaction, up to `attempts` times on a lost race; returns what runs after its commit. */
  const locked = async <R>(work: (scope: TxScope) => Promise<R>, latest: Latest, attempts?: number) => {
    let afterCommit: Deferred[] = [];
    const result = await retriedTransaction(
      storage.db,
      (tx) => {
        // Each attempt collects its own: a lost attempt's effects never run.
        afterCommit = [];
        return work({ tx, provider: storage.provider, clock, afterCommit, latest, queue: null });
      },
      () => latest.clear(),
      attempts,
    );
    return { result, afterCommit };
  };
  const transactionOnce: Attempt = (work, latest) => locked(work, latest);

  /** The optimistic attempt: plain reads, then the queued writes at once; null when it lost a race. */
  const optimistic = async <R>(work: (scope: TxScope) => Promise<R>, latest: Latest) => {
    const afterCommit: Deferred[] = [];
    const queue: Queued[] = [];
    const result = await work({ tx: storage.db, provider: storage.provider, clock, afterCommit, latest, queue });
    return (await sendQueued(storage.db, queue)) ? { result, afterCommit } : null;
  };

  /** The optimistic attempt, then the locked ones after a lost race. */
  const stepOnce: Attempt = async (work, latest) => {
    const attempt = await optimistic(work, latest);
    if (attempt !== null) return attempt;
    // Lost: nothing was written, and its after-commit effects are dropped with its steps (as a
    // retried interactive transaction drops them).
    latest.clear();
    return locked(work, latest, LOCKED_ATTEMPTS_AFTER_OPTIMISTIC);
  };

  /** A request's work as `attempt` runs it, then the steps its after-commit effects report, alike
   * (a step's follow-ups are optimistic first too). */
  const run = async <R>(attempt: Attempt, work: (steps: TxSteps) => Promise<R>): Promise<R> => {
    const latest: Latest = new Map();
    const first = await attempt((scope) => work(stepsIn(scope)), latest);
    await runAfterCommit(first.afterCommit, latest, attempt);
    return latestOf(first.result, latest);
  };

  return {
    transaction: (work) => run(transactionOnce, work),
    step: (work) => run(stepOnce, work),

    evaluate(machine, instance, input) {
      const current = restore(machine.definition.machine, instance.stateValue, instance.context);
      const next = apply(machine.definition.machine, current, { ...input, at: clock.now() });
      return { accepted: next.accepted, ...answerAt(machine.definition, next.snapshot) };
    },
  };
}

/** A Step the work returned, as its instance stands after the follow-ups; anything else as is. */
function latestOf<R>(result: R, latest: Latest): R {
  const id = fieldOf(result, 'id');
  if (typeof id !== 'string' || fieldOf(result, 'answer') === undefined) return result;
  // The one assertion of the runner: the latest step of the instance the returned step names is a
  // step of the same machine (`latest` holds every machine's steps, keyed by instance id).
  return (latest.get(id) ?? result) as R;
}
