import type { Clock } from '../clock.js';
import type { Runner } from '../engine/runner.js';
import type { Instance } from '../engine/definition.js';
import type { MagicLinkFlows, MagicLinkTypes } from '../flows/magic-link/magic-link-machine.js';
import type { OtpFlows, OtpTypes } from '../flows/otp/otp-machine.js';
import { findAppById } from '../repositories/app-repository.js';
import { claimDueDeliveryJobs, type DeliveryJob, deleteDeliveryJob } from '../repositories/delivery-job-repository.js';
import { findFlowById } from '../repositories/flow-repository.js';
import type { Storage } from '../storage/prisma.js';
import { attemptDelivery, DELIVERY_LEASE_MS, type DeliveryDeps, type DeliveryOutcome, openMessage } from './kept-messages.js';

// The delivery worker: attempts the kept messages that are due (a retry a flow's machine scheduled,
// or a first attempt whose process stopped before making it: its lease has ended), and reports each
// outcome to the flow, whose machine decides what follows (delivered, another retry, failed). Every
// instance runs one; a message is claimed before it is attempted, so two never attempt it at once.

export interface DeliveryWorker {
  /** Attempts every due message once (in batches); how many were attempted. */
  runDue(signal?: AbortSignal): Promise<number>;
}

const BATCH = 20;

export function createDeliveryWorker(deps: { storage: Storage; runner: Runner; clock: Clock; otp: OtpFlows; magicLink: MagicLinkFlows; delivery: DeliveryDeps }): DeliveryWorker {
  const { storage, runner, clock, delivery } = deps;

  async function report(job: DeliveryJob, event: DeliveryOutcome): Promise<void> {
    await runner.transaction(async (steps) => {
      const flow = await findFlowById(steps.tx, storage.provider, job.flowId);
      // A purged flow took its message with it (the key cascades).
      if (flow === null) return;
      const app = await findAppById(steps.tx, flow.row.appId);
      // The row says which machine the flow is an instance of.
      const step =
        app === null
          ? null
          : flow.row.kind === 'otp'
            ? await steps.send(deps.otp, flow as Instance<OtpTypes>, event, { app, results: {} })
            : await steps.send(deps.magicLink, flow as Instance<MagicLinkTypes>, event, { app, results: {} });
      // The flow moved on without the message (superseded, expired) or its app is gone: nothing
      // is waiting for it any more.
      if (step === null || !step.accepted) await deleteDeliveryJob(steps.tx, job.flowId);
    });
  }

  return {
    async runDue(signal) {
      let attempted = 0;
      for (;;) {
        const now = clock.now();
        const jobs = await claimDueDeliveryJobs(storage.db, storage.provider, now, now + DELIVERY_LEASE_MS, BATCH);
        for (const job of jobs) {
          await report(job, await attemptDelivery(delivery, job.flowId, openMessage(delivery.sealer, job.flowId, job.message)));
          attempted += 1;
        }
        if (jobs.length < BATCH || signal?.aborted === true) return attempted;
      }
    },
  };
}
