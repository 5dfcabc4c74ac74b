import { Type } from 'typebox';
import type { Provider } from '../storage/database-url.js';
import type { Statement, Tx } from '../storage/prisma.js';
import { reader } from './row-reader.js';
import { timeValue } from './sql-values.js';

// Messages flows still have to deliver (prisma/schema.prisma, DeliveryJob): one per flow, written
// with the flow's send step (its writes are statements, sent with the step's or queued with them), rescheduled or deleted by the flow's machine, claimed for an
// attempt with a lease, so that two instances never attempt the same message at once and a
// process that stopped mid-attempt gives the message back when its lease ends.

export interface DeliveryJob {
  readonly flowId: string;
  readonly channel: string;
  /** Sealed; only the delivery code opens it. */
  readonly message: string;
  readonly attempts: number;
}

/** A due job as the claim reads it (`attempts` may come back as a bigint from SQLite's integer). */
const dueRows = reader(
  'delivery_job',
  'a due delivery job',
  Type.Object({ flowId: Type.String(), channel: Type.String(), message: Type.String(), attempts: Type.Union([Type.Number(), Type.BigInt()]) }),
);

export function insertDeliveryJob(tx: Tx, provider: Provider, job: DeliveryJob & { at: number; leaseUntil: number }): Statement {
  const at = timeValue(provider, new Date(job.at));
  return tx.$executeRaw`INSERT INTO "delivery_job" ("flow_id", "channel", "message", "attempts", "due_at", "lease_until", "created_at")
    VALUES (${job.flowId}, ${job.channel}, ${job.message}, ${job.attempts}, ${at}, ${timeValue(provider, new Date(job.leaseUntil))}, ${at})`;
}

/** The next attempt, `dueAt`; the lease is given back. */
export function rescheduleDeliveryJob(tx: Tx, provider: Provider, flowId: string, next: { attempts: number; dueAt: number }): Statement {
  return tx.$executeRaw`UPDATE "delivery_job" SET "attempts" = ${next.attempts}, "due_at" = ${timeValue(provider, new Date(next.dueAt))}, "lease_until" = NULL
    WHERE "flow_id" = ${flowId}`;
}

export function deleteDeliveryJob(tx: Tx, flowId: string): Statement {
  return tx.$executeRaw`DELETE FROM "delivery_job" WHERE "flow_id" = ${flowId}`;
}

/** Takes up to `limit` jobs that are due and held by nobody, each until `leaseUntil`. A job another
 * instance claimed or rescheduled in between is skipped (the claim is a conditional update that
 * checks both again). */
export async function claimDueDeliveryJobs(db: Tx, provider: Provider, now: number, leaseUntil: number, limit: number): Promise<DeliveryJob[]> {
  const at = timeValue(provider, new Date(now));
  const due = dueRows.all(
    await db.$queryRaw`SELECT "flow_id" AS "flowId", "channel", "message", "attempts" FROM "delivery_job"
    WHERE "due_at" <= ${at} AND ("lease_until" IS NULL OR "lease_until" <= ${at}) ORDER BY "due_at" LIMIT ${limit}`,
  );
  const claimed: DeliveryJob[] = [];
  for (const job of due) {
    const count = await db.$executeRaw`UPDATE "delivery_job" SET "lease_until" = ${timeValue(provider, new Date(leaseUntil))}
      WHERE "flow_id" = ${job.flowId} AND "due_at" <= ${at} AND ("lease_until" IS NULL OR "lease_until" <= ${at})`;
    if (count === 1) claimed.push({ ...job, attempts: Number(job.attempts) });
  }
  return claimed;
}
