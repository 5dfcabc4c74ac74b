import type { Tx } from '../storage/prisma.js';

// The statechart instances that moved last, of every kind: what the visualizer's live view offers
// to open. Ids and states only (no secrets, no personal data).

export type InstanceKind = 'flow' | 'session' | 'refresh-family' | 'credential';

export interface RecentInstance {
  readonly kind: InstanceKind;
  readonly id: string;
  readonly machine: string;
  readonly state: string;
  readonly updatedAt: Date;
}

/** The `limit` instances updated last, newest first (each table asked for its own newest). */
export async function recentInstances(db: Tx, limit: number): Promise<RecentInstance[]> {
  const newest = { orderBy: [{ updatedAt: 'desc' as const }, { id: 'desc' as const }], take: limit };
  const [flows, sessions, families, credentials] = await Promise.all([
    db.flow.findMany({ ...newest, select: { id: true, kind: true, stateValue: true, updatedAt: true } }),
    db.session.findMany({ ...newest, select: { id: true, stateValue: true, updatedAt: true } }),
    db.refreshFamily.findMany({ ...newest, select: { id: true, stateValue: true, updatedAt: true } }),
    db.credential.findMany({ ...newest, select: { id: true, kind: true, stateValue: true, updatedAt: true } }),
  ]);
  const all: RecentInstance[] = [
    ...flows.map((row) => ({ kind: 'flow' as const, id: row.id, machine: row.kind, state: row.stateValue, updatedAt: row.updatedAt })),
    ...sessions.map((row) => ({ kind: 'session' as const, id: row.id, machine: 'session', state: row.stateValue, updatedAt: row.updatedAt })),
    ...families.map((row) => ({ kind: 'refresh-family' as const, id: row.id, machine: 'refresh-family', state: row.stateValue, updatedAt: row.updatedAt })),
    ...credentials.map((row) => ({ kind: 'credential' as const, id: row.id, machine: row.kind, state: row.stateValue, updatedAt: row.updatedAt })),
  ];
  return all.sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime() || (a.id < b.id ? 1 : -1)).slice(0, limit);
}
