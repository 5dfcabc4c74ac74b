import type { Clock } from '../clock.js';
import { fieldOf } from '../fields.js';
import { retriedTransaction } from '../repositories/retried-transaction.js';
import type { Storage } from '../storage/prisma.js';
import type { EventInput, Instance, MachineTypes, RegisteredMachine, Step, TxSteps } from './definition.js';
import { type Attempt, type Latest, runAfterCommit } from './after-commit.js';
import { answerAt } from './registered.js';
import type { Deferred } from './settle.js';
import { stepsIn } from './steps.js';
import { apply, restore } from './transitions.js';

// The one runner. A request opens a transaction and takes steps in it: start an instance, or apply
// an event to a loaded one. A step computes the transition (pure), performs the inline effects the
// machine named (whose outcomes are applied at once), writes the instance and its log in ONE
// statement with a version check, then performs the effects that write elsewhere, in the same
// transaction. After the commit come the effects that talk to the outside world (SMTP, Twilio,
// signing); the event each reports back is the next step. A lost version race re-runs the whole
// transaction on fresh data (src/repositories/retried-transaction.ts).

export interface Runner {
  /** Runs `work` in one transaction (again on a lost version race), then the after-commit effects
   * and the steps their events lead to. A `Step` returned by `work` comes back as its latest state. */
  transaction<R>(work: (steps: TxSteps) => Promise<R>): Promise<R>;
  /** Where the event would lead, computed and not applied (nothing is written, no effect runs). */
  evaluate<T extends MachineTypes>(machine: RegisteredMachine<T>, instance: Instance<T>, event: EventInput<T>): Pick<Step<T>, 'accepted' | 'state' | 'answer'>;
}

export function createRunner(deps: { storage: Storage; clock: Clock }): Runner {
  const { storage, clock } = deps;

  /** One transaction (again on a lost version race); returns what runs after its commit. */
  const transactionOnce: Attempt = async (work, latest) => {
    let afterCommit: Deferred[] = [];
    const result = await retriedTransaction(
      storage.db,
      (tx) => {
        // Each attempt collects its own: a lost attempt's effects never run.
        afterCommit = [];
        return work({ tx, provider: storage.provider, clock, afterCommit, latest });
      },
      () => latest.clear(),
    );
    return { result, afterCommit };
  };

  return {
    async transaction(work) {
      const latest: Latest = new Map();
      const { result, afterCommit } = await transactionOnce((scope) => work(stepsIn(scope)), latest);
      await runAfterCommit(afterCommit, latest, transactionOnce);
      return latestOf(result, latest);
    },

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
