import type { Clock } from '../clock.js';
import type { Instance } from '../engine/definition.js';
import type { Runner } from '../engine/runner.js';
import { AuthError } from '../errors.js';
import type { MagicLinkFlows, MagicLinkTypes } from '../flows/magic-link/magic-link-machine.js';
import type { OtpFlows, OtpTypes } from '../flows/otp/otp-machine.js';
import { findAppById } from '../repositories/app-repository.js';
import { claimDueDeliveryJobs, type DeliveryJob, deleteDeliveryJob } from '../repositories/delivery-job-repository.js';
import { findFlowById } from '../repositories/flow-repository.js';
import type { Storage } from '../storage/prisma.js';
import { DELIVERY_LEASE_MS, type DeliveryDeps, openMessage } from './kept-messages.js';

// The delivery worker: hands each kept message that is due (a retry a flow's machine scheduled,
// or a first attempt a stopped process never made: its lease has ended) to its flow as
// `delivery.due`, with the message opened. The flow's machine decides: it sends the message (the
// runner's after-commit `deliverChallenge`, whose outcome it then follows) or drops it (the code
// was used, expired, replaced…). Every instance runs one; each message is claimed, with a lease of
// its own, before it is handed over, so two instances never attempt it at once.

export interface DeliveryWorker {
  /** Hands over every message that is due, one at a time; how many were handed over. */
  runDue(signal?: AbortSignal): Promise<number>;
}

export function createDeliveryWorker(deps: { storage: Storage; runner: Runner; clock: Clock; otp: OtpFlows; magicLink: MagicLinkFlows; delivery: DeliveryDeps }): DeliveryWorker {
  const { storage, runner, clock, delivery } = deps;

  async function handOver(job: DeliveryJob): Promise<void> {
    const message = openMessage(delivery.sealer, job.flowId, job.message);
    await runner.transaction(async (steps) => {
      const flow = await findFlowById(steps.tx, storage.provider, job.flowId);
      // A purged flow took its message with it (the key cascades).
      if (flow === null) return;
      const app = await findAppById(steps.tx, flow.row.appId);
      if (app === null) return deleteDeliveryJob(steps.tx, job.flowId);
      const request = { app, results: { message } };
      // The row says which machine the flow is an instance of.
      if (flow.row.kind === 'otp') await steps.send(deps.otp, flow as Instance<OtpTypes>, { type: 'delivery.due' }, request);
      else await steps.send(deps.magicLink, flow as Instance<MagicLinkTypes>, { type: 'delivery.due' }, request);
    });
  }

  return {
    async runDue(signal) {
      let handed = 0;
      while (signal?.aborted !== true) {
        const now = clock.now();
        const [job] = await claimDueDeliveryJobs(storage.db, storage.provider, now, now + DELIVERY_LEASE_MS, 1);
        if (job === undefined) return handed;
        handed += 1;
        try {
          await handOver(job);
        } catch (error) {
          // A flow of a retired machine version can no longer take the event: nothing will send
          // its message. Anything else keeps the message for the next holder once the lease ends.
          if (error instanceof AuthError && error.code === 'FLOW_VERSION_RETIRED') await deleteDeliveryJob(storage.db, job.flowId);
          delivery.log.warn({ flowId: job.flowId, err: error instanceof Error ? error.message : String(error) }, 'kept message not handed over');
        }
      }
      return handed;
    },
  };
}
