import type { Instance, InstanceStore, LoggedEvent, MachineTypes } from '../engine/definition.js';
import type { Provider } from '../storage/database-url.js';
import { Prisma } from '../storage/generated/sqlite/client.js';
import type { Tx } from '../storage/prisma.js';
import { appendCredentialLog, readCredentialLog } from './event-log-rows.js';
import { atVersion, CREATED_COLUMNS, createdValues, stepAssignments } from './instance-columns.js';
import { fromJson } from './json.js';
import { jsonValue, timeValue } from './sql-values.js';

// Credential rows (prisma/schema.prisma, Credential): instances of the password and TOTP machines,
// one live credential of a kind per user and app (the unique `live_key`, cleared once revoked).
// The row keeps the secret (an Argon2id hash, or a sealed seed) beside the instance: effects read
// it from the loaded row and replace it through the step's patch. Later events are appended to
// credential_event in the step's transaction.

export type CredentialKind = 'password' | 'totp';

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
}

export interface CredentialTypes extends MachineTypes {
  readonly row: CredentialRow;
  readonly create: CredentialCreate;
  readonly patch: { readonly secret: string; readonly miss: string };
}

interface RawCredential {
  id: string;
  tenantId: string;
  appId: string;
  userId: string;
  kind: string;
  secret: string;
  params: unknown;
  label: string | null;
  miss: string | null;
  machineVersion: number;
  stateValue: string;
  context: unknown;
  version: number;
}

const COLUMNS = Prisma.sql`"id", "tenant_id" AS "tenantId", "app_id" AS "appId", "user_id" AS "userId", "kind", "secret", "params", "label", "miss",
  "machine_version" AS "machineVersion", "state_value" AS "stateValue", "context", "version"`;

const lock = (provider: Provider) => (provider === 'postgresql' ? Prisma.sql`FOR UPDATE` : Prisma.empty);
const liveKey = (appId: string, userId: string, kind: CredentialKind) => `${appId}:${userId}:${kind}`;
/** A revoked credential no longer holds its user's and app's slot for its kind. */
const isRevoked = (stateValue: string) => stateValue === 'revoked' || stateValue.startsWith('revoked.');

const toInstance = <T extends CredentialTypes>(raw: RawCredential): Instance<T> => ({
  id: raw.id,
  machineVersion: raw.machineVersion,
  version: raw.version,
  stateValue: raw.stateValue,
  context: fromJson<T['context']>(raw.context),
  row: { tenantId: raw.tenantId, appId: raw.appId, userId: raw.userId, kind: raw.kind as CredentialKind, secret: raw.secret, params: fromJson(raw.params), label: raw.label, miss: raw.miss },
});

/** The user's credential of this kind for the app, if one is live (locked on PostgreSQL). */
export async function findLiveCredential<T extends CredentialTypes>(tx: Tx, provider: Provider, scope: { appId: string; userId: string; kind: CredentialKind }): Promise<Instance<T> | null> {
  const rows = await tx.$queryRaw<RawCredential[]>`SELECT ${COLUMNS} FROM "credential" WHERE "live_key" = ${liveKey(scope.appId, scope.userId, scope.kind)} ${lock(provider)}`;
  return rows[0] === undefined ? null : toInstance<T>(rows[0]);
}

async function findCredentialById<T extends CredentialTypes>(tx: Tx, provider: Provider, id: string): Promise<Instance<T> | null> {
  const rows = await tx.$queryRaw<RawCredential[]>`SELECT ${COLUMNS} FROM "credential" WHERE "id" = ${id} ${lock(provider)}`;
  return rows[0] === undefined ? null : toInstance<T>(rows[0]);
}

/** The context of the user's live credential of this kind for the app, for reading (no lock). */
export async function liveCredentialContext<C>(db: Tx, scope: { appId: string; userId: string; kind: CredentialKind }): Promise<C | null> {
  const rows = await db.$queryRaw<{ context: unknown }[]>`SELECT "context" FROM "credential" WHERE "live_key" = ${liveKey(scope.appId, scope.userId, scope.kind)}`;
  return rows[0] === undefined ? null : fromJson<C>(rows[0].context);
}

/** A credential with its input and whole log (creation entry first): what replays and views read. */
export async function readCredential(db: Tx, id: string): Promise<(Instance<CredentialTypes> & { kind: CredentialKind; input: unknown; events: LoggedEvent[] }) | null> {
  const rows = await db.$queryRaw<(RawCredential & { input: unknown; events: unknown })[]>`SELECT ${COLUMNS}, "input", "events" FROM "credential" WHERE "id" = ${id}`;
  const raw = rows[0];
  if (raw === undefined) return null;
  return { ...toInstance<CredentialTypes>(raw), kind: raw.kind as CredentialKind, input: fromJson(raw.input), events: [...fromJson<LoggedEvent[]>(raw.events), ...(await readCredentialLog(db, id))] };
}

export function credentialStore<T extends CredentialTypes>(kind: CredentialKind, provider: Provider): InstanceStore<T> {
  return {
    async insert(tx, created) {
      const create: CredentialCreate = created.create;
      const at = timeValue(provider, new Date(created.events[0]?.at ?? 0));
      const live = isRevoked(created.stateValue) ? null : liveKey(created.appId, create.userId, kind);
      await tx.$executeRaw`INSERT INTO "credential" ("id", "tenant_id", "app_id", "user_id", "kind", "live_key", "secret", "params", "label", "created_at", "updated_at", ${CREATED_COLUMNS})
        VALUES (${created.id}, ${create.tenantId}, ${created.appId}, ${create.userId}, ${kind}, ${live}, ${created.patch.secret ?? create.secret},
          ${jsonValue(provider, create.params)}, ${create.label}, ${at}, ${at}, ${createdValues(provider, created)})`;
    },
    async update(tx, instance, next) {
      const at = timeValue(provider, new Date(next.events[0]?.at ?? 0));
      const secret = next.patch.secret === undefined ? Prisma.empty : Prisma.sql`, "secret" = ${next.patch.secret}`;
      const miss = next.patch.miss === undefined ? Prisma.empty : Prisma.sql`, "miss" = ${next.patch.miss}`;
      const ended = isRevoked(next.stateValue) && !isRevoked(instance.stateValue) ? Prisma.sql`, "live_key" = NULL, "ended_at" = ${at}` : Prisma.empty;
      const count = await tx.$executeRaw`UPDATE "credential" SET ${stepAssignments(provider, instance, next)}${secret}${miss}${ended} ${atVersion(instance)}`;
      if (count !== 1) return false;
      await appendCredentialLog(tx, provider, instance.id, next.appId, next.events);
      return true;
    },
    reload: (tx, provider, id) => findCredentialById<T>(tx, provider, id),
  };
}
