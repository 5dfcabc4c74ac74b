import { type Static, Type } from 'typebox';
import type { Instance, LoggedEvent, MachineDefinition, MachineTypes } from '../engine/definition.js';
import type { InstanceStore, StoreWrites } from '../engine/instance-store.js';
import { checkedInstance, storedContext, type UncheckedInstance } from '../engine/stored-context.js';
import type { Provider } from '../storage/database-url.js';
import { empty, sql } from '../storage/sql.js';
import type { Tx } from '../storage/prisma.js';
import { appendCredentialLog, readCredentialLog } from './event-log-rows.js';
import { atVersion, CREATED_COLUMNS, createdValues, stepAssignments } from './instance-columns.js';
import { Column, CredentialKindShape, InstanceColumns, LoggedEvents, reader } from './row-reader.js';
import { forUpdate, type ReadScope } from './read-scope.js';
import { storeOfWrites } from './sent-writes.js';
import { jsonValue, timeValue } from './sql-values.js';

// Credential rows (prisma/schema.prisma, Credential): instances of the password, TOTP and passkey
// machines, and users' passcode locks (src/flows/otp/lock.ts: no secret, never revoked, purged once
// lapsed), one live credential of a kind per user and app (the unique `live_key`, cleared once
// revoked), or, for a kind a user holds several of (passkeys), one per slot the kind names.
// The row keeps the secret (an Argon2id hash, or a sealed seed) beside the instance: effects read
// it from the loaded row and replace it through the step's patch. Later events are appended to
// credential_event in the step's transaction.

export type CredentialKind = 'password' | 'totp' | 'passcode-lock' | 'passkey';

interface CredentialRow {
  readonly tenantId: string;
  readonly appId: string;
  readonly userId: string;
  readonly kind: CredentialKind;
  readonly secret: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly label: string | null;
  /** totp: the keyed HMAC of the latest wrong code (src/flows/totp/repeated-miss.ts). */
  readonly miss: string | null;
}

interface CredentialCreate {
  readonly tenantId: string;
  readonly userId: string;
  readonly secret: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly label: string | null;
  /** A kind a user holds several of: the credential's own slot among the app's (a passkey: a hash
   * of its credential id), instead of the user's one slot for the kind. */
  readonly slot?: string;
  /** passkey: the WebAuthn user handle its username is found by (./passkey-rows.ts). */
  readonly lookupKey?: string;
}

export interface CredentialTypes extends MachineTypes {
  readonly row: CredentialRow;
  readonly create: CredentialCreate;
  readonly patch: { readonly secret: string; readonly miss: string };
}

const RawCredential = Type.Object({
  ...InstanceColumns,
  tenantId: Type.String(),
  appId: Type.String(),
  userId: Type.String(),
  kind: CredentialKindShape,
  secret: Type.String(),
  params: Column.object,
  label: Column.nullable(Type.String()),
  miss: Column.nullable(Type.String()),
});
type RawCredential = Static<typeof RawCredential>;
export const credentialRows = reader('credential', 'a credential row', RawCredential);
const contextRows = reader('credential', 'credential.context', Type.Object({ id: Type.String(), machineVersion: Type.Number(), context: Column.object }));
const loggedRows = reader('credential', 'a credential row with its log', Type.Object({ ...RawCredential.properties, input: Column.json, events: LoggedEvents }));

export const CREDENTIAL_COLUMNS = sql`"id", "tenant_id" AS "tenantId", "app_id" AS "appId", "user_id" AS "userId", "kind", "secret", "params", "label", "miss",
  "machine_version" AS "machineVersion", "state_value" AS "stateValue", "context", "version"`;

const liveKey = (appId: string, userId: string, kind: CredentialKind) => `${appId}:${userId}:${kind}`;
/** The live key of a credential a user holds several of: its slot among the app's of its kind. */
export const slotKey = (appId: string, kind: CredentialKind, slot: string) => `${appId}:${kind}:${slot}`;
/** A revoked credential no longer holds its user's and app's slot for its kind. */
const isRevoked = (stateValue: string) => stateValue === 'revoked' || stateValue.startsWith('revoked.');

/** A credential row as read, its context not yet checked by a machine. */
export const toCredentialInstance = (raw: RawCredential): UncheckedInstance<CredentialTypes> & { readonly context: Readonly<Record<string, unknown>> } => ({
  id: raw.id,
  machineVersion: raw.machineVersion,
  version: raw.version,
  stateValue: raw.stateValue,
  context: raw.context,
  row: { tenantId: raw.tenantId, appId: raw.appId, userId: raw.userId, kind: raw.kind, secret: raw.secret, params: raw.params, label: raw.label, miss: raw.miss },
});

/** The user's credential of this kind for the app, if one is live (locked on PostgreSQL). */
export async function findLiveCredential<T extends CredentialTypes>(
  read: ReadScope,
  machine: MachineDefinition<T>,
  scope: { appId: string; userId: string; kind: CredentialKind },
): Promise<Instance<T> | null> {
  const rows = credentialRows.all(await read.tx.$queryRaw`SELECT ${CREDENTIAL_COLUMNS} FROM "credential" WHERE "live_key" = ${liveKey(scope.appId, scope.userId, scope.kind)} ${forUpdate(read)}`);
  return rows[0] === undefined ? null : checkedInstance(machine, 'credential', toCredentialInstance(rows[0]));
}

async function findCredentialById<T extends CredentialTypes>(read: ReadScope, machine: MachineDefinition<T>, id: string): Promise<Instance<T> | null> {
  const rows = credentialRows.all(await read.tx.$queryRaw`SELECT ${CREDENTIAL_COLUMNS} FROM "credential" WHERE "id" = ${id} ${forUpdate(read)}`);
  return rows[0] === undefined ? null : checkedInstance(machine, 'credential', toCredentialInstance(rows[0]));
}

/** The context of the user's live credential of this kind for the app, for reading (no lock). */
export async function liveCredentialContext<T extends CredentialTypes>(
  db: Tx,
  machine: MachineDefinition<T>,
  scope: { appId: string; userId: string; kind: CredentialKind },
): Promise<T['context'] | null> {
  const rows = contextRows.all(
    await db.$queryRaw`SELECT "id", "machine_version" AS "machineVersion", "context" FROM "credential" WHERE "live_key" = ${liveKey(scope.appId, scope.userId, scope.kind)}`,
  );
  return rows[0] === undefined ? null : storedContext(machine, 'credential', rows[0]);
}

/** A credential with its input and whole log (creation entry first): what replays and views read. */
export async function readCredential(db: Tx, id: string): Promise<(Instance<CredentialTypes> & { kind: CredentialKind; input: unknown; events: LoggedEvent[] }) | null> {
  const rows = loggedRows.all(await db.$queryRaw`SELECT ${CREDENTIAL_COLUMNS}, "input", "events" FROM "credential" WHERE "id" = ${id}`);
  const raw = rows[0];
  if (raw === undefined) return null;
  return { ...toCredentialInstance(raw), kind: raw.kind, input: raw.input, events: [...raw.events, ...(await readCredentialLog(db, id))] };
}

/** A credential's writes as statements (sent by the store below, or queued by an optimistic step). */
function credentialWrites<T extends CredentialTypes>(kind: CredentialKind, provider: Provider): StoreWrites<T> {
  return {
    insert(db, created) {
      const create: CredentialCreate = created.create;
      const at = timeValue(provider, new Date(created.events[0]?.at ?? 0));
      const slot = create.slot === undefined ? liveKey(created.appId, create.userId, kind) : slotKey(created.appId, kind, create.slot);
      const live = isRevoked(created.stateValue) ? null : slot;
      return [
        db.$executeRaw`INSERT INTO "credential" ("id", "tenant_id", "app_id", "user_id", "kind", "live_key", "lookup_key", "secret", "params", "label", "created_at", "updated_at", ${CREATED_COLUMNS})
        VALUES (${created.id}, ${create.tenantId}, ${created.appId}, ${create.userId}, ${kind}, ${live}, ${create.lookupKey ?? null}, ${created.patch.secret ?? create.secret},
          ${jsonValue(provider, create.params)}, ${create.label}, ${at}, ${at}, ${createdValues(provider, created)})`,
      ];
    },
    update(db, instance, next) {
      const at = timeValue(provider, new Date(next.events[0]?.at ?? 0));
      const secret = next.patch.secret === undefined ? empty : sql`, "secret" = ${next.patch.secret}`;
      const miss = next.patch.miss === undefined ? empty : sql`, "miss" = ${next.patch.miss}`;
      const ended = isRevoked(next.stateValue) && !isRevoked(instance.stateValue) ? sql`, "live_key" = NULL, "ended_at" = ${at}` : empty;
      const checked = db.$executeRaw`UPDATE "credential" SET ${stepAssignments(provider, instance, next)}${secret}${miss}${ended} ${atVersion(instance)}`;
      // The log's entry takes (credential, version + 1): after a lost race the winner holds that
      // key, so the append fails and takes the batch down with it (StoreWrites' contract).
      return { checked, rest: appendCredentialLog(db, provider, instance.id, next.appId, next.events) };
    },
  };
}

export function credentialStore<T extends CredentialTypes>(machine: MachineDefinition<T>, kind: CredentialKind, provider: Provider): InstanceStore<T> {
  return storeOfWrites(credentialWrites<T>(kind, provider), { reload: (read, id) => findCredentialById(read, machine, id) });
}
