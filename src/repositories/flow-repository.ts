import { type Static, Type } from 'typebox';
import type { Instance, LoggedEvent, MachineDefinition, MachineTypes } from '../engine/definition.js';
import type { InstanceStore, StoreWrites } from '../engine/instance-store.js';
import { checkedInstance, type UncheckedInstance } from '../engine/stored-context.js';
import type { Provider } from '../storage/migrate.js';
import { empty, join, sql } from '../storage/sql.js';
import type { Tx } from '../storage/prisma.js';
import { atVersion, CREATED_COLUMNS, createdValues, writtenAssignments } from './instance-columns.js';
import { Column, InstanceColumns, LoggedEvents, reader } from './row-reader.js';
import { forUpdate, type ReadScope } from './read-scope.js';
import { storeOfWrites } from './sent-writes.js';
import { checkedUpdate } from './stale-guard.js';
import { timeValue } from './sql-values.js';

// Flow rows: one statechart instance each (magic link, passcode, WebAuthn ceremony), with its input, its state value
// and context, its log, and the lookup columns a request finds it by (the user and identifier it
// was sent to, the HMAC of the code it issued). Written by the runner only, one statement a step,
// in SQL (./instance-columns.ts).

export type FlowKind = 'magic-link' | 'otp' | 'webauthn';

/** The row's own fields, as the runner hands them to effects. */
interface FlowRow {
  readonly tenantId: string;
  readonly appId: string;
  readonly userId: string;
  readonly kind: FlowKind;
  readonly subject: string | null;
  readonly secretHash: string | null;
  readonly expiresAt: number;
  readonly createdAt: number;
}

interface FlowCreate {
  readonly tenantId: string;
  readonly appId: string;
  readonly userId: string;
  readonly subject: string | null;
  readonly expiresAt: number;
  /** The flow this one replaces, if any: the new one is always later, even within one millisecond,
   * so "the newest flow" never ties. */
  readonly replaces: { readonly createdAt: number } | null;
  /** The HMAC of the secret the flow issued at its start (a WebAuthn challenge), when its machine
   * issues none itself. */
  readonly secretHash?: string;
}

interface FlowPatch {
  readonly secretHash: string;
}

export interface FlowTypes extends MachineTypes {
  readonly row: FlowRow;
  readonly create: FlowCreate;
  readonly patch: FlowPatch;
}

const RawFlow = Type.Object({
  ...InstanceColumns,
  tenantId: Type.String(),
  appId: Type.String(),
  userId: Type.String(),
  kind: Type.Union([Type.Literal('magic-link'), Type.Literal('otp'), Type.Literal('webauthn')]),
  subject: Column.nullable(Type.String()),
  secretHash: Column.nullable(Type.String()),
  expiresAt: Column.date,
  createdAt: Column.date,
});
type RawFlow = Static<typeof RawFlow>;
const flowRows = reader('flow', 'a flow row', RawFlow);
/** With its input and log: what the admin view and replay read (a step needs neither: its events
 * are appended where the log is, ./instance-columns.ts). */
const loggedFlowRows = reader('flow', 'a flow row with its log', Type.Object({ ...RawFlow.properties, input: Column.json, events: LoggedEvents }));

const COLUMNS = sql`"id", "tenant_id" AS "tenantId", "app_id" AS "appId", "user_id" AS "userId", "kind", "machine_version" AS "machineVersion",
  "subject", "secret_hash" AS "secretHash", "state_value" AS "stateValue", "context", "version", "expires_at" AS "expiresAt", "created_at" AS "createdAt"`;

/** A flow row as read, its context not yet checked by a machine. */
const toFlowInstance = (raw: RawFlow): UncheckedInstance<FlowTypes> & { readonly context: Readonly<Record<string, unknown>> } => ({
  id: raw.id,
  machineVersion: raw.machineVersion,
  version: raw.version,
  stateValue: raw.stateValue,
  context: raw.context,
  row: {
    tenantId: raw.tenantId,
    appId: raw.appId,
    userId: raw.userId,
    kind: raw.kind,
    subject: raw.subject,
    secretHash: raw.secretHash,
    expiresAt: raw.expiresAt.getTime(),
    createdAt: raw.createdAt.getTime(),
  },
});

/** The newest flow of this kind the app started for the user (the one an authenticate call means). */
export async function findLatestFlow<T extends FlowTypes>(read: ReadScope, machine: MachineDefinition<T>, scope: { appId: string; userId: string; kind: FlowKind }): Promise<Instance<T> | null> {
  const rows = flowRows.all(
    await read.tx.$queryRaw`SELECT ${COLUMNS} FROM "flow"
    WHERE "app_id" = ${scope.appId} AND "user_id" = ${scope.userId} AND "kind" = ${scope.kind}
    ORDER BY "created_at" DESC, "id" DESC LIMIT 1 ${forUpdate(read)}`,
  );
  return rows[0] === undefined ? null : checkedInstance(machine, 'flow', toFlowInstance(rows[0]));
}

/** The flow that issued a code, found by the code's HMAC (one candidate per HMAC key). */
export async function findFlowBySecret<T extends FlowTypes>(read: ReadScope, machine: MachineDefinition<T>, kind: FlowKind, hashes: readonly string[]): Promise<Instance<T> | null> {
  const rows = flowRows.all(
    await read.tx.$queryRaw`SELECT ${COLUMNS} FROM "flow"
    WHERE "secret_hash" IN (${join([...hashes])}) AND "kind" = ${kind} LIMIT 1 ${forUpdate(read)}`,
  );
  return rows[0] === undefined ? null : checkedInstance(machine, 'flow', toFlowInstance(rows[0]));
}

/** A flow by id, its context not yet checked: the row's kind says which machine reads it (the
 * delivery worker serves every kind, and checks it with the kind's machine: stored-context.ts). */
export async function findFlowById(read: ReadScope, id: string): Promise<UncheckedInstance<FlowTypes> | null> {
  const rows = flowRows.all(await read.tx.$queryRaw`SELECT ${COLUMNS} FROM "flow" WHERE "id" = ${id} ${forUpdate(read)}`);
  return rows[0] === undefined ? null : toFlowInstance(rows[0]);
}

/** A flow with its input and log, as the admin view and replay read it. */
export async function readFlow(db: Tx, id: string): Promise<(Instance<FlowTypes> & { input: unknown; events: LoggedEvent[]; createdAt: number }) | null> {
  const rows = loggedFlowRows.all(await db.$queryRaw`SELECT ${COLUMNS}, "input", "events" FROM "flow" WHERE "id" = ${id}`);
  const raw = rows[0];
  return raw === undefined ? null : { ...toFlowInstance(raw), input: raw.input, events: raw.events, createdAt: raw.createdAt.getTime() };
}

/** A flow's writes as statements (sent by the store below, or queued by an optimistic step). */
function flowWrites<T extends FlowTypes>(kind: FlowKind, provider: Provider): StoreWrites<T> {
  return {
    insert(db, created) {
      const create: FlowCreate = created.create;
      const now = timeValue(provider, new Date(Math.max(created.events[0]?.at ?? 0, (create.replaces?.createdAt ?? -1) + 1)));
      return [
        db.$executeRaw`INSERT INTO "flow" ("id", "kind", "tenant_id", "app_id", "user_id", "subject", "secret_hash", "expires_at", "created_at", "updated_at", ${CREATED_COLUMNS})
        VALUES (${created.id}, ${kind}, ${create.tenantId}, ${create.appId}, ${create.userId}, ${create.subject}, ${created.patch.secretHash ?? create.secretHash ?? null},
          ${timeValue(provider, new Date(create.expiresAt))}, ${now}, ${now}, ${createdValues(provider, created)})`,
      ];
    },
    update(db, instance, next) {
      const secretHash = next.patch.secretHash === undefined ? empty : sql`, "secret_hash" = ${next.patch.secretHash}`;
      // The whole step is this UPDATE (the log is appended in the row): guarded in a shared batch.
      return checkedUpdate(db, provider, sql`UPDATE "flow" SET ${writtenAssignments(provider, instance, next)}${secretHash} ${atVersion(instance)}`);
    },
  };
}

export function flowStore<T extends FlowTypes>(machine: MachineDefinition<T>, kind: FlowKind, provider: Provider): InstanceStore<T> {
  return storeOfWrites(flowWrites<T>(kind, provider), {
    reload: async (read, id) => {
      const flow = await findFlowById(read, id);
      return flow === null ? null : checkedInstance(machine, 'flow', flow);
    },
  });
}
