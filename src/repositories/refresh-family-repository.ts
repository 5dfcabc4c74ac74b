import { type Static, Type } from 'typebox';
import type { Instance, LoggedEvent, MachineDefinition, MachineTypes } from '../engine/definition.js';
import type { InstanceStore, StoreWrites } from '../engine/instance-store.js';
import { checkedInstance, type UncheckedInstance } from '../engine/stored-context.js';
import type { Provider } from '../storage/migrate.js';
import { empty, join, sql } from '../storage/sql.js';
import type { Statement, Tx } from '../storage/prisma.js';
import { forUpdateOf, type ReadScope } from './read-scope.js';
import { storeOfWrites } from './sent-writes.js';
import type { UserGrant } from '../model/claims.js';
import { appendFamilyLog, readFamilyLog } from './event-log-rows.js';
import { atVersion, CREATED_COLUMNS, createdValues, stepAssignments } from './instance-columns.js';
import { Column, InstanceColumns, LoggedEvents, reader } from './row-reader.js';
import { jsonValue, timeValue } from './sql-values.js';
import { RawUserColumns, USER_COLUMNS, type UserRecord, userFromRaw } from './user-rows.js';

// Refresh-token families: instances of machines/refresh-family.machine.ts. The family row holds the
// HMAC of its current token; the hashes of the tokens it rotated out stay in refresh_token, so a
// presented token is found whichever it is, and a rotated-out one is recognised as reuse. The row
// carries the creation entry of the log; each later event is a row of refresh_family_event.

interface RefreshFamilyRow {
  readonly tenantId: string;
  readonly appId: string;
  readonly userId: string;
  readonly sessionId: string | null;
  readonly currentHash: string;
  readonly grant: UserGrant;
}

interface RefreshFamilyCreate {
  readonly tenantId: string;
  readonly appId: string;
  readonly userId: string;
  readonly sessionId: string | null;
  readonly currentHash: string;
  readonly grant: UserGrant;
  readonly expiresAt: number;
}

interface RefreshFamilyPatch {
  readonly currentHash: string;
}

export interface RefreshFamilyTypes extends MachineTypes {
  readonly row: RefreshFamilyRow;
  readonly create: RefreshFamilyCreate;
  readonly patch: RefreshFamilyPatch;
}

const ClaimOption = Type.Union([Type.Null(), Type.Object({ fields: Type.Optional(Type.Array(Type.String())) })]);
const ClaimsForTarget = Type.Optional(Type.Record(Type.String(), ClaimOption));
/** The grant a family keeps (src/model/claims.ts UserGrant). */
const UserGrantShape = Type.Object({
  methods: Type.Array(Type.String()),
  authTime: Type.Number(),
  resource: Column.nullable(Type.String()),
  claims: Column.nullable(Type.Object({ id_token: ClaimsForTarget, access_token: ClaimsForTarget, userinfo: ClaimsForTarget })),
  approvalData: Type.Optional(Column.nullable(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])))),
});

const RawFamily = Type.Object({
  ...InstanceColumns,
  tenantId: Type.String(),
  appId: Type.String(),
  userId: Type.String(),
  sessionId: Column.nullable(Type.String()),
  currentHash: Type.String(),
  grant: UserGrantShape,
});
type RawFamily = Static<typeof RawFamily>;
const familyRows = reader('refresh_family', 'a refresh family row', RawFamily);
const presentedRows = reader(
  'refresh_family',
  'a presented token row',
  Type.Object({ ...RawFamily.properties, ...RawUserColumns, rotatedOut: Column.flag, sessionState: Column.nullable(Type.String()) }),
);
const loggedRows = reader('refresh_family', 'a refresh family row with its log', Type.Object({ ...RawFamily.properties, input: Column.json, events: LoggedEvents }));

const FAMILY_COLUMNS = sql`f."id", f."tenant_id" AS "tenantId", f."app_id" AS "appId", f."user_id" AS "userId", f."session_id" AS "sessionId",
  f."current_hash" AS "currentHash", f."grant", f."machine_version" AS "machineVersion", f."state_value" AS "stateValue", f."context", f."version"`;

/** A family row as read, its context not yet checked by a machine. */
const toInstance = (raw: RawFamily): UncheckedInstance<RefreshFamilyTypes> & { readonly context: Readonly<Record<string, unknown>> } => ({
  id: raw.id,
  machineVersion: raw.machineVersion,
  version: raw.version,
  stateValue: raw.stateValue,
  context: raw.context,
  row: {
    tenantId: raw.tenantId,
    appId: raw.appId,
    userId: raw.userId,
    sessionId: raw.sessionId,
    currentHash: raw.currentHash,
    grant: raw.grant,
  },
});

export interface PresentedToken<T extends RefreshFamilyTypes> {
  readonly family: Instance<T>;
  readonly token: 'current' | 'rotatedOut';
  /** The family's session ended (logout, revocation); false when it has none or it lives on. */
  readonly sessionEnded: boolean;
  readonly user: UserRecord;
}

/**
 * The family a presented refresh token belongs to (by its HMAC, one candidate per key), whether it
 * is the current token or one rotated out, the family's session standing and the user with its
 * association to the app: one statement. In the interactive transaction the family row is locked on
 * PostgreSQL (FOR UPDATE OF f); an optimistic step reads plainly, its batch checked by the family's
 * version and log key instead (src/engine/queued-writes.ts). Its session is not locked: its standing is read as the statement starts, so a logout committed meanwhile orders after
 * this refresh, as if the refresh had come just before it).
 *
 * The family is picked by its id, found by a subquery that runs once, not by a test of its current
 * hash: on PostgreSQL a request that waited for the lock re-checks its WHERE against the row as
 * the winner left it, while its subqueries still see the snapshot from before the winner's
 * rotation. A test of `current_hash` there dropped the row the winner had just rotated (the token
 * is no longer current, and its refresh_token row is not yet visible), so a token presented twice
 * at once answered "not found" and the family was never revoked. Matched by id, the waiter gets
 * the row as it now stands, and its token shows as rotated out: reuse.
 */
export async function findPresentedToken<T extends RefreshFamilyTypes>(scope: ReadScope, machine: MachineDefinition<T>, appId: string, hashes: readonly string[]): Promise<PresentedToken<T> | null> {
  const candidates = join([...hashes]);
  const rows = presentedRows.all(
    await scope.tx.$queryRaw`SELECT ${FAMILY_COLUMNS}, ${USER_COLUMNS},
      CASE WHEN f."current_hash" IN (${candidates}) THEN 0 ELSE 1 END AS "rotatedOut", s."state" AS "sessionState"
    FROM "refresh_family" f
    JOIN "user" u ON u."id" = f."user_id"
    LEFT JOIN "user_app" ua ON ua."user_id" = f."user_id" AND ua."app_id" = f."app_id"
    LEFT JOIN "session" s ON s."id" = f."session_id"
    WHERE f."app_id" = ${appId}
      AND f."id" = (SELECT c."id" FROM (SELECT p."id" FROM "refresh_family" p WHERE p."current_hash" IN (${candidates})
        UNION ALL SELECT t."family_id" FROM "refresh_token" t WHERE t."token_hash" IN (${candidates})) c LIMIT 1)
    ${forUpdateOf(scope, 'f')}`,
  );
  const raw = rows[0];
  if (raw === undefined) return null;
  return {
    family: checkedInstance(machine, 'refresh_family', toInstance(raw)),
    token: Number(raw.rotatedOut) === 1 ? 'rotatedOut' : 'current',
    sessionEnded: raw.sessionState === 'terminated',
    user: userFromRaw(raw),
  };
}

/** Keeps the hash of a token the family just rotated out (presented again, it is reuse): the
 * statement, sent with the family's step. */
export function keepRotatedOutToken(tx: Tx, provider: Provider, token: { tokenHash: string; familyId: string; generation: number; at: number }): Statement {
  return tx.$executeRaw`INSERT INTO "refresh_token" ("token_hash", "family_id", "generation", "created_at")
    VALUES (${token.tokenHash}, ${token.familyId}, ${token.generation}, ${timeValue(provider, new Date(token.at))})`;
}

async function reloadFamily<T extends RefreshFamilyTypes>(read: ReadScope, machine: MachineDefinition<T>, id: string): Promise<Instance<T> | null> {
  const rows = familyRows.all(await read.tx.$queryRaw`SELECT ${FAMILY_COLUMNS} FROM "refresh_family" f WHERE f."id" = ${id} ${forUpdateOf(read, 'f')}`);
  return rows[0] === undefined ? null : checkedInstance(machine, 'refresh_family', toInstance(rows[0]));
}

/** A family with its input and log, as the admin view and replay read it. */
export async function readFamily(db: Tx, id: string): Promise<(Instance<RefreshFamilyTypes> & { input: unknown; events: LoggedEvent[] }) | null> {
  const rows = loggedRows.all(await db.$queryRaw`SELECT ${FAMILY_COLUMNS}, f."input", f."events" FROM "refresh_family" f WHERE f."id" = ${id}`);
  const raw = rows[0];
  if (raw === undefined) return null;
  return { ...toInstance(raw), input: raw.input, events: [...raw.events, ...(await readFamilyLog(db, id))] };
}

/** A family's writes as statements (sent by the store below, or queued by an optimistic step). */
function familyWrites<T extends RefreshFamilyTypes>(provider: Provider): StoreWrites<T> {
  return {
    insert(db, created) {
      const at = timeValue(provider, new Date(created.events[0]?.at ?? 0));
      const create: RefreshFamilyCreate = created.create;
      return [
        db.$executeRaw`INSERT INTO "refresh_family" ("id", "tenant_id", "app_id", "user_id", "session_id", "current_hash", "grant", "expires_at", "created_at", "updated_at", ${CREATED_COLUMNS})
        VALUES (${created.id}, ${create.tenantId}, ${create.appId}, ${create.userId}, ${create.sessionId}, ${create.currentHash}, ${jsonValue(provider, create.grant)},
          ${timeValue(provider, new Date(create.expiresAt))}, ${at}, ${at}, ${createdValues(provider, created)})`,
      ];
    },
    update(db, instance, next) {
      const ended = instance.stateValue === 'active' && next.stateValue !== 'active' ? sql`, "ended_at" = ${timeValue(provider, new Date(next.events[0]?.at ?? 0))}` : empty;
      const rotated = next.patch.currentHash === undefined ? empty : sql`, "current_hash" = ${next.patch.currentHash}`;
      const checked = db.$executeRaw`UPDATE "refresh_family" SET ${stepAssignments(provider, instance, next)}${ended}${rotated} ${atVersion(instance)}`;
      // The log's entry takes (family, version + 1): after a lost race the winner holds that key,
      // so the append fails and takes the batch down with it (StoreWrites' contract).
      return { checked, rest: appendFamilyLog(db, provider, instance.id, next.events) };
    },
  };
}

export function refreshFamilyStore<T extends RefreshFamilyTypes>(machine: MachineDefinition<T>, provider: Provider): InstanceStore<T> {
  return storeOfWrites(familyWrites<T>(provider), { reload: (read, id) => reloadFamily(read, machine, id) });
}
