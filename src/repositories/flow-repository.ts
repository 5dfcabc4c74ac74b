import type { Tx } from '../storage/prisma.js';
import { fromJson, toJson } from './json.js';

// The only Prisma access to Flow and FlowEvent rows. Saves are optimistic: an update only lands
// on the version that was read, so two concurrent events on one flow cannot both apply.

export interface FlowRow {
  readonly id: string;
  readonly tenantId: string;
  readonly appId: string;
  readonly kind: string;
  readonly machineVersion: number;
  readonly stateValue: string;
  readonly snapshot: unknown;
  readonly version: number;
  readonly expiresAt: number;
  readonly createdAt: number;
}

export interface FlowEventRow {
  readonly seq: number;
  readonly type: string;
  readonly at: number;
  readonly state: string;
  readonly details: Readonly<Record<string, unknown>> | null;
}

export class StaleFlowVersionError extends Error {
  constructor(readonly flowId: string) {
    super(`flow ${flowId} was saved by a concurrent request`);
    this.name = 'StaleFlowVersionError';
  }
}

export async function insertFlow(db: Tx, flow: Omit<FlowRow, 'version' | 'createdAt'>, at: number): Promise<void> {
  await db.flow.create({
    data: {
      id: flow.id,
      tenantId: flow.tenantId,
      appId: flow.appId,
      kind: flow.kind,
      machineVersion: flow.machineVersion,
      stateValue: flow.stateValue,
      snapshot: toJson(flow.snapshot),
      version: 1,
      expiresAt: new Date(flow.expiresAt),
      createdAt: new Date(at),
    },
  });
}

/** The flow, if it belongs to the app (a flow id alone never authorizes anything). */
export async function findFlow(db: Tx, id: string, appId: string | null): Promise<FlowRow | null> {
  const row = await db.flow.findUnique({ where: { id } });
  if (row === null || (appId !== null && row.appId !== appId)) return null;
  return {
    ...row,
    snapshot: fromJson<unknown>(row.snapshot),
    expiresAt: row.expiresAt.getTime(),
    createdAt: row.createdAt.getTime(),
  };
}

export async function saveFlow(db: Tx, id: string, readVersion: number, next: { stateValue: string; snapshot: unknown }): Promise<void> {
  const { count } = await db.flow.updateMany({
    where: { id, version: readVersion },
    data: { stateValue: next.stateValue, snapshot: toJson(next.snapshot), version: readVersion + 1 },
  });
  if (count !== 1) throw new StaleFlowVersionError(id);
}

/** `seq` is the flow version the event produced, so the log and the row can never disagree. */
export async function appendFlowEvent(db: Tx, flowId: string, event: FlowEventRow): Promise<void> {
  await db.flowEvent.create({
    data: {
      flowId,
      seq: event.seq,
      type: event.type,
      at: new Date(event.at),
      state: event.state,
      details: event.details === null ? undefined : toJson(event.details),
    },
  });
}

export async function listFlowEvents(db: Tx, flowId: string): Promise<FlowEventRow[]> {
  const rows = await db.flowEvent.findMany({ where: { flowId }, orderBy: { seq: 'asc' } });
  return rows.map((row) => ({
    seq: row.seq,
    type: row.type,
    at: row.at.getTime(),
    state: row.state,
    details: fromJson<Record<string, unknown> | null>(row.details),
  }));
}
