import type { Chart, LoggedEvent } from '../engine/definition.js';
import { replayLog, replayLogSteps, replayMatches } from '../engine/replay.js';
import { type InstanceKind, type RecentInstance, recentInstances } from '../repositories/recent-instances.js';
import { readCredential } from '../repositories/credential-repository.js';
import { readFamily } from '../repositories/refresh-family-repository.js';
import { readFlow } from '../repositories/flow-repository.js';
import { readSession } from '../repositories/session-repository.js';
import type { Tx } from '../storage/prisma.js';

// What the operator sees of one statechart instance (GET /admin/v1/flows/{id}, /sessions/{id}, …):
// its machine, state, input and context with secrets and personal data redacted, its event log
// with times, and whether replaying that log through the machine arrives where it is stored.

/** Fields never shown, wherever they appear (input, context, event fields): personal data (the
 * identifier a code was sent to, the app's opaque state, transaction details) and binding values. */
const REDACTED = new Set(['subject', 'requestId', 'state', 'approvalData', 'redirectUri']);

const redact = (value: unknown): unknown =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, REDACTED.has(key) && inner !== null ? '[redacted]' : inner]))
    : value;

export type InstanceView = {
  readonly id: string;
  /** The number of events so far: it moves with every step (what a live view polls for). */
  readonly version: number;
  readonly machine: string;
  readonly machine_version: number;
  readonly state: string;
  readonly input: unknown;
  readonly context: unknown;
  readonly events: readonly { seq: number; type: string; at: string; state: string; fields: unknown }[];
  /** Replaying the log through the machine arrives at the stored state and context. */
  readonly replays: boolean;
  /** Where the instance stood after each event, replayed from its input through the machine (empty
   * when the log cannot be replayed, e.g. an instance of a retired machine version). */
  readonly steps: readonly { seq: number; type: string; at: string; state: string; context: unknown }[];
};

interface Stored {
  readonly id: string;
  readonly version: number;
  readonly machineVersion: number;
  readonly stateValue: string;
  readonly context: unknown;
  readonly input: unknown;
  readonly events: readonly LoggedEvent[];
}

/** The log replayed step by step; null when the machine cannot apply it (another version, or an
 * input that does not fit the machine's: nothing unchecked is handed to a machine). */
function replayed(definition: Chart, stored: Stored) {
  if (stored.machineVersion !== definition.version || !definition.input.fits(stored.input)) return null;
  try {
    return replayLogSteps(definition, stored.input, stored.events);
  } catch {
    return null;
  }
}

export function instanceView(definition: Chart, stored: Stored): InstanceView {
  const steps = replayed(definition, stored);
  const last = steps?.at(-1) ?? (steps === null ? null : replayLog(definition, stored.input, []));
  return {
    id: stored.id,
    version: stored.version,
    machine: definition.name,
    machine_version: stored.machineVersion,
    state: stored.stateValue,
    input: redact(stored.input),
    context: redact(stored.context),
    events: stored.events.map((event) => ({ seq: event.seq, type: event.type, at: new Date(event.at).toISOString(), state: event.state, fields: redact(event.fields) })),
    replays: last !== null && replayMatches(last, stored),
    steps: (steps ?? []).map((step) => ({ seq: step.seq, type: step.type, at: new Date(step.at).toISOString(), state: step.stateValue, context: redact(step.context) })),
  };
}

export interface InstanceViews {
  flow(id: string): Promise<InstanceView | null>;
  session(id: string): Promise<InstanceView | null>;
  refreshFamily(id: string): Promise<InstanceView | null>;
  /** A password or authenticator credential (its secret is never part of a view). */
  credential(id: string): Promise<InstanceView | null>;
  byKind(kind: InstanceKind, id: string): Promise<InstanceView | null>;
  recent(limit: number): Promise<RecentInstance[]>;
}

/** The views replay each instance through the registered definition its row names (a flow's and a
 * credential's kind, `session`, `refresh-family`): the composition root hands them in (every
 * machine the registry holds, src/engine/machines.ts), so the views know no flow. */
export function createInstanceViews(deps: { db: Tx; definitions: readonly Chart[] }): InstanceViews {
  const { db } = deps;
  const byName = new Map(deps.definitions.map((definition) => [definition.name, definition] as const));
  const session = byName.get('session');
  const refreshFamily = byName.get('refresh-family');
  if (session === undefined || refreshFamily === undefined) throw new Error('the instance views need the session and refresh-family machines');
  const views: InstanceViews = {
    async flow(id) {
      const flow = await readFlow(db, id);
      const definition = flow === null ? undefined : byName.get(flow.row.kind);
      return flow === null || definition === undefined ? null : instanceView(definition, flow);
    },
    async session(id) {
      const found = await readSession(db, id);
      return found === null ? null : instanceView(session, found);
    },
    async refreshFamily(id) {
      const family = await readFamily(db, id);
      return family === null ? null : instanceView(refreshFamily, family);
    },
    async credential(id) {
      const found = await readCredential(db, id);
      const definition = found === null ? undefined : byName.get(found.kind);
      return found === null || definition === undefined ? null : instanceView(definition, found);
    },
    byKind(kind, id) {
      switch (kind) {
        case 'flow':
          return views.flow(id);
        case 'session':
          return views.session(id);
        case 'refresh-family':
          return views.refreshFamily(id);
        case 'credential':
          return views.credential(id);
      }
    },
    recent: (limit) => recentInstances(db, limit),
  };
  return views;
}
