import type { Clock } from '../clock.js';
import type { TxSteps } from '../engine/definition.js';
import type { UncheckedInstance } from '../engine/stored-context.js';
import type { Runner } from '../engine/runner.js';
import { AuthError } from '../errors.js';
import { type AppRecord, findAppById } from '../repositories/app-repository.js';
import { claimDueDeliveryJobs, deleteDeliveryJob } from '../repositories/delivery-job-repository.js';
import { findFlowById, type FlowKind, type FlowTypes } from '../repositories/flow-repository.js';
import type { Storage } from '../storage/prisma.js';
import { DELIVERY_LEASE_MS, type DeliveryDeps, type KeptMessage, openMessage } from './kept-messages.js';
import type { DeliveryOutcome } from './kept-outcomes.js';

// The delivery worker: hands each kept message that is due (a retry a flow's machine scheduled,
// or a first attempt a stopped process never made: its lease has ended) to its flow as
// `delivery.due`, with the message opened. The flow's machine decides: it sends the message (the
// runner's after-commit `deliverChallenge`, whose outcome it then follows) or drops it (the code
// was used, expired, replaced…). Every instance runs one; each message is claimed, with a lease of
// its own, before it is handed over, so two instances never attempt it at once. Before claiming
// anything it hands over the outcomes this process holds (./kept-outcomes.ts: attempts a send
// stopped waiting for, outcomes the database could not take): so it never sends again a message
// whose outcome it knows.

export interface DeliveryWorker {
  /** Hands every outcome this process holds, then every message that is due, to its flow, one at a
   * time; how many were handed over. */
  runDue(signal?: AbortSignal): Promise<number>;
  /** Resolves once no attempt this process started is still running (its outcome is held). */
  settled(): Promise<void>;
  /** At shutdown: waits for the attempts still running, then hands every held outcome over once,
   * so a stopping process does not leave a delivered message to be sent again. */
  drain(): Promise<void>;
}

/** What the worker tells a flow: an outcome this process holds, or that its kept message is due. */
type WorkerEvent = DeliveryOutcome | { readonly type: 'delivery.due' };

/** How a flow of one kind takes the worker's event (with its app, and for `delivery.due` the
 * message opened), in the worker's transaction. The registry (src/engine/machines.ts) makes one
 * per kind of flow whose machine keeps messages: the worker knows no flow (STYLE §2.2). */
export type DeliveringFlow = (steps: TxSteps, flow: UncheckedInstance<FlowTypes>, event: WorkerEvent, request: { readonly app: AppRecord; readonly kept?: KeptMessage }) => Promise<unknown>;

/** `flows`: the flows the worker serves, by the kind their rows name. */
export function createDeliveryWorker(deps: { storage: Storage; runner: Runner; clock: Clock; flows: Readonly<Partial<Record<FlowKind, DeliveringFlow>>>; delivery: DeliveryDeps }): DeliveryWorker {
  const { storage, runner, clock, delivery } = deps;

  /** One event to the flow of a message, in a transaction of its own. */
  async function tell(flowId: string, event: WorkerEvent, kept: KeptMessage | null): Promise<void> {
    await runner.transaction(async (steps) => {
      const flow = await findFlowById(steps, flowId);
      // A purged flow took its message with it (the key cascades).
      if (flow === null) return;
      const app = await findAppById(steps.tx, flow.row.appId);
      if (app === null) {
        await deleteDeliveryJob(steps.tx, flowId);
        return;
      }
      // The row says which machine the flow is an instance of; a kind that sends nothing (a WebAuthn
      // ceremony) never has a message, so a job of one is dropped as an app's gone one is.
      const deliver = deps.flows[flow.row.kind];
      if (deliver === undefined) {
        await deleteDeliveryJob(steps.tx, flowId);
        return;
      }
      const request = kept === null ? { app } : { app, kept };
      await deliver(steps, flow, event, request);
    });
  }

  return {
    async runDue(signal) {
      let handed = 0;
      while (signal?.aborted !== true) {
        const kept = await handOverKept(delivery, tell);
        handed += kept.handed;
        // Claim nothing before this process's outcomes are recorded: one of them may be the
        // outcome of a message whose lease has ended.
        if (!kept.done) return handed;
        if (!(await handOverOneDue({ storage, clock, delivery }, tell))) return handed;
        handed += 1;
      }
      return handed;
    },
    settled: () => delivery.kept.settled(),
    async drain() {
      await delivery.kept.settled();
      await handOverKept(delivery, tell);
    },
  };
}

type Tell = (flowId: string, event: WorkerEvent, kept: KeptMessage | null) => Promise<void>;

/** The held outcomes whose attempt ended, to their flows; false while the database refuses them. */
async function handOverKept(delivery: DeliveryDeps, tell: Tell): Promise<{ handed: number; done: boolean }> {
  let handed = 0;
  for (const held of delivery.kept.ended()) {
    try {
      await tell(held.flowId, held.outcome, null);
      handed += 1;
    } catch (error) {
      // A refusal (the flow's machine version retired…) will not change; anything else (the
      // database still away, a race lost three times) is tried again at the next run.
      const final = error instanceof AuthError && error.status < 500 && error.code !== 'FLOW_CONFLICT';
      if (!final) {
        delivery.log.warn({ flowId: held.flowId, err: error instanceof Error ? error.message : String(error) }, 'delivery outcome kept: not recorded yet');
        return { handed, done: false };
      }
    }
    delivery.kept.forget(held);
  }
  return { handed, done: true };
}

/** Claims the next due message and hands it to its flow; false when none is due. */
async function handOverOneDue(deps: { storage: Storage; clock: Clock; delivery: DeliveryDeps }, tell: Tell): Promise<boolean> {
  const { storage, delivery } = deps;
  const now = deps.clock.now();
  const [job] = await claimDueDeliveryJobs(storage.db, storage.provider, now, now + DELIVERY_LEASE_MS, 1);
  if (job === undefined) return false;
  try {
    await tell(job.flowId, { type: 'delivery.due' }, openMessage(delivery.sealer, job.flowId, job.message));
  } catch (error) {
    // A flow of a retired machine version can no longer take the event: nothing will send
    // its message. Anything else keeps the message for the next holder once the lease ends.
    if (error instanceof AuthError && error.code === 'FLOW_VERSION_RETIRED') await deleteDeliveryJob(storage.db, job.flowId);
    delivery.log.warn({ flowId: job.flowId, err: error instanceof Error ? error.message : String(error) }, 'kept message not handed over');
  }
  // The worker waits for its own attempt, even one that outlasted the send's wait; the next
  // turn hands its outcome over.
  await delivery.kept.settled(job.flowId);
  return true;
}
