import { createHash } from 'node:crypto';
import { type Static, Type } from 'typebox';
import type { Instance, LoggedEvent, MachineDefinition, MachineTypes } from '../engine/definition.js';
import type { InstanceStore } from '../engine/instance-store.js';
import { checkedInstance, type UncheckedInstance } from '../engine/stored-context.js';
import type { Provider } from '../storage/database-url.js';
import { empty, sql } from '../storage/sql.js';
import type { Tx } from '../storage/prisma.js';
import type { CredentialKind } from './credential-repository.js';
import { appendCredentialLog, readCredentialLog } from './event-log-rows.js';
import { atVersion, stepAssignments } from './instance-columns.js';
import { Column, CredentialKindShape, InstanceColumns, LoggedEvents, reader } from './row-reader.js';
import { forUpdate } from './read-scope.js';
import { jsonValue, timeValue } from './sql-values.js';

// Stand-in rows (prisma/schema.prisma, ShadowCredential): instances of the password and TOTP
// machines answering for a credential a login names when there is none, found by a hash of what
// the login named. A stand-in is never started: the first login's write creates it, with its
// creation entry, in ONE statement like any later step's (an INSERT that finds the key taken by a
// concurrent login matches nothing, and the runner re-runs the request on fresh data), so a first
// login for nobody costs the statements a login of a real credential does. Later events are
// appended to shadow_credential_event. `settles_at` says from when it answers as a new one would:
// the purge deletes it then, so attacker-chosen identifiers cannot pile up.

export interface ShadowRow {
  readonly tenantId: string;
  readonly appId: string;
  readonly kind: CredentialKind;
  readonly key: string;
  /** totp: the keyed HMAC of the latest wrong code (src/flows/totp/repeated-miss.ts). */
  readonly miss: string | null;
  /** What the instance was started from (kept in the row by its first write). */
  readonly input: object;
  /** false until the first login's write creates the row. */
  readonly stored: boolean;
}

/** The store's part of a stand-in's machine types (src/credentials/credential-types.ts `Shadowed`). */
export interface ShadowTypes {
  readonly row: ShadowRow;
  /** Never started (see above). */
  readonly create: never;
  readonly patch: { readonly miss: string };
}

type ShadowMachineTypes = MachineTypes & ShadowTypes;

const RawShadow = Type.Object({
  ...InstanceColumns,
  tenantId: Type.String(),
  appId: Type.String(),
  kind: CredentialKindShape,
  key: Type.String(),
  miss: Column.nullable(Type.String()),
  input: Column.object,
});
type RawShadow = Static<typeof RawShadow>;
const shadowRows = reader('shadow_credential', 'a stand-in row', RawShadow);
const loggedRows = reader('shadow_credential', 'a stand-in row with its log', Type.Object({ ...RawShadow.properties, events: LoggedEvents }));

const COLUMNS = sql`"id", "tenant_id" AS "tenantId", "app_id" AS "appId", "kind", "key", "miss", "input",
  "machine_version" AS "machineVersion", "state_value" AS "stateValue", "context", "version"`;

const lock = (provider: Provider) => (provider === 'postgresql' ? sql`FOR UPDATE` : empty);

/** Where a stand-in is found: the app, the kind and the machine's version (a stand-in of a retired
 * version is never found again, and settles), and the subject the login named (the user when the
 * identifier names one, else the normalised identifier, as the rate limiter counts them). */
export const shadowKey = (scope: { appId: string; kind: CredentialKind; machineVersion: number }, subject: string): string =>
  createHash('sha256').update(`${scope.appId}:${scope.kind}:v${scope.machineVersion}:${subject}`).digest('base64url');

/** A stand-in row as read, its context not yet checked by a machine. */
const toInstance = (raw: RawShadow): UncheckedInstance<ShadowMachineTypes> & { readonly context: Readonly<Record<string, unknown>> } => ({
  id: raw.id,
  machineVersion: raw.machineVersion,
  version: raw.version,
  stateValue: raw.stateValue,
  context: raw.context,
  row: { tenantId: raw.tenantId, appId: raw.appId, kind: raw.kind, key: raw.key, miss: raw.miss, input: raw.input, stored: true },
});

/** The stand-in with this key, if one is stored (locked on PostgreSQL). */
export async function findShadow<T extends ShadowMachineTypes>(tx: Tx, provider: Provider, machine: MachineDefinition<T>, key: string): Promise<Instance<T> | null> {
  const rows = shadowRows.all(await tx.$queryRaw`SELECT ${COLUMNS} FROM "shadow_credential" WHERE "key" = ${key} ${lock(provider)}`);
  return rows[0] === undefined ? null : checkedInstance(machine, 'shadow_credential', toInstance(rows[0]));
}

/** A stand-in with its input and whole log (creation entry first): what replays read. */
export async function readShadow(db: Tx, id: string): Promise<(Instance<ShadowMachineTypes> & { kind: CredentialKind; input: unknown; events: LoggedEvent[] }) | null> {
  const rows = loggedRows.all(await db.$queryRaw`SELECT ${COLUMNS}, "events" FROM "shadow_credential" WHERE "id" = ${id}`);
  const raw = rows[0];
  if (raw === undefined) return null;
  const events = [...raw.events, ...(await readCredentialLog(db, id, 'shadow_credential_event'))];
  return { ...toInstance(raw), kind: raw.kind, input: raw.input, events };
}

/** `settlesAt`: the machine's own reading of its context (from when it answers as a new one would). */
export function shadowStore<T extends ShadowMachineTypes>(machine: MachineDefinition<T>, provider: Provider, settlesAt: (context: T['context']) => number | null): InstanceStore<T> {
  return {
    insert() {
      throw new Error('a stand-in is created by its first step, never started');
    },
    async update(tx, instance, next) {
      const at = new Date(next.events[0]?.at ?? 0);
      const settles = settlesAt(next.context);
      const settlesValue = settles === null ? null : timeValue(provider, new Date(settles));
      const miss = next.patch.miss ?? instance.row.miss;
      const version = instance.version + next.events.length;
      let count: number;
      if (instance.row.stored) {
        count = await tx.$executeRaw`UPDATE "shadow_credential" SET ${stepAssignments(provider, instance, next)}, "miss" = ${miss}, "settles_at" = ${settlesValue} ${atVersion(instance)}`;
      } else {
        // Its creation entry, as `start` would have logged it, then the first login's events.
        const init: LoggedEvent = { seq: 1, type: 'xstate.init', at: at.getTime(), state: instance.stateValue, fields: {} };
        const { row } = instance;
        count =
          await tx.$executeRaw`INSERT INTO "shadow_credential" ("id", "tenant_id", "app_id", "kind", "key", "miss", "machine_version", "input", "state_value", "context", "events", "version", "settles_at", "created_at", "updated_at")
          VALUES (${instance.id}, ${row.tenantId}, ${row.appId}, ${row.kind}, ${row.key}, ${miss}, ${instance.machineVersion}, ${jsonValue(provider, row.input)}, ${next.stateValue},
            ${jsonValue(provider, next.context)}, ${jsonValue(provider, [init])}, ${version}, ${settlesValue}, ${timeValue(provider, at)}, ${timeValue(provider, at)})
          ON CONFLICT ("key") DO NOTHING`;
      }
      if (count !== 1) return false;
      for (const statement of appendCredentialLog(tx, provider, instance.id, next.appId, next.events, 'shadow_credential_event')) await statement;
      return true;
    },
    async reload(read, id) {
      const rows = shadowRows.all(await read.tx.$queryRaw`SELECT ${COLUMNS} FROM "shadow_credential" WHERE "id" = ${id} ${forUpdate(read)}`);
      return rows[0] === undefined ? null : checkedInstance(machine, 'shadow_credential', toInstance(rows[0]));
    },
  };
}
