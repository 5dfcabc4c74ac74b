import { type Static, Type } from 'typebox';
import type { Instance, LoggedEvent, MachineDefinition, MachineTypes } from '../engine/definition.js';
import type { InstanceStore, StoreWrites } from '../engine/instance-store.js';
import { checkedInstance } from '../engine/stored-context.js';
import type { Provider } from '../storage/migrate.js';
import { empty, join, sql } from '../storage/sql.js';
import type { Statement, Tx } from '../storage/prisma.js';
import { forUpdateOf, type ReadScope } from './read-scope.js';
import { storeOfWrites } from './sent-writes.js';
import { appendSessionLog, readSessionLog, type SessionLogEntry } from './event-log-rows.js';
import { atVersion, CREATED_COLUMNS, createdValues, stepAssignments } from './instance-columns.js';
import { jsonValue, timeValue } from './sql-values.js';
import { Column, InstanceColumns, LoggedEventShape, reader } from './row-reader.js';
import { RawUserColumns, USER_COLUMNS, type UserRecord, userFromRaw } from './user-rows.js';

// Session rows: instances of the session statechart, found by the hash of the public session_id (a
// bearer secret). The row carries the creation entry of the log; every later event is a row of
// session_event (event-log-rows.ts), appended in the same transaction as the step. `state` and
// `expires_at` repeat the state value and the context, for the queries that list, revoke and purge
// sessions.

interface SessionRow {
  readonly idHash: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly createdByAppId: string;
  readonly createdAt: number;
}

interface SessionCreate {
  readonly idHash: string;
  readonly tenantId: string;
  readonly userId: string;
}

export interface SessionTypes extends MachineTypes {
  readonly context: { readonly expiresAt: number };
  readonly row: SessionRow;
  readonly create: SessionCreate;
  readonly patch: Record<string, never>;
}

const RawSession = Type.Object({
  ...InstanceColumns,
  idHash: Type.String(),
  tenantId: Type.String(),
  userId: Type.String(),
  createdByAppId: Type.String(),
  createdAt: Column.date,
});
type RawSession = Static<typeof RawSession>;
const sessionRows = reader('session', 'a session row', RawSession);
const sessionUserRows = reader('session', 'a session row with its user', Type.Object({ ...RawSession.properties, ...RawUserColumns, associated: Column.flag }));
/** What the queries below read of every session's context (SessionTypes). */
const sessionContexts = reader('session', 'session.context', Type.Object({ expiresAt: Type.Number() }));
/** A session's creation entry, kept in its row (later entries: session_event). */
const creationEntries = reader('session', 'session.events', Type.Array(Type.Object({ ...LoggedEventShape.properties, appId: Type.String() })));

const SESSION_COLUMNS = sql`s."id", s."id_hash" AS "idHash", s."tenant_id" AS "tenantId", s."user_id" AS "userId", s."created_by_app_id" AS "createdByAppId",
  s."machine_version" AS "machineVersion", s."state_value" AS "stateValue", s."context", s."version", s."created_at" AS "createdAt"`;

/** A session row as read, its context checked by the session machine. */
const toInstance = <T extends SessionTypes>(machine: MachineDefinition<T>, raw: RawSession): Instance<T> =>
  checkedInstance(machine, 'session', {
    id: raw.id,
    machineVersion: raw.machineVersion,
    version: raw.version,
    stateValue: raw.stateValue,
    context: raw.context,
    row: { idHash: raw.idHash, tenantId: raw.tenantId, userId: raw.userId, createdByAppId: raw.createdByAppId, createdAt: raw.createdAt.getTime() },
  });

const topState = (stateValue: string) => stateValue.split('.')[0] ?? stateValue;

/** The session of this tenant stored under any of these hashes (one per HMAC key), locked where the scope locks. */
export async function findSession<T extends SessionTypes>(scope: ReadScope, machine: MachineDefinition<T>, tenantId: string, hashes: readonly string[]): Promise<Instance<T> | null> {
  const rows = sessionRows.all(
    await scope.tx.$queryRaw`SELECT ${SESSION_COLUMNS} FROM "session" s
    WHERE s."id_hash" IN (${join([...hashes])}) AND s."tenant_id" = ${tenantId} LIMIT 1 ${forUpdateOf(scope, 's')}`,
  );
  return rows[0] === undefined ? null : toInstance(machine, rows[0]);
}

/** The session of this tenant with this internal id (the `sid` a user access token names), locked where the scope locks. */
export async function findSessionById<T extends SessionTypes>(scope: ReadScope, machine: MachineDefinition<T>, tenantId: string, id: string): Promise<Instance<T> | null> {
  const rows = sessionRows.all(await scope.tx.$queryRaw`SELECT ${SESSION_COLUMNS} FROM "session" s WHERE s."id" = ${id} AND s."tenant_id" = ${tenantId} ${forUpdateOf(scope, 's')}`);
  return rows[0] === undefined ? null : toInstance(machine, rows[0]);
}

/** The session, its user and the user's association with the app, in one statement (silent
 * authentication needs all three). */
export async function findSessionWithUser<T extends SessionTypes>(
  read: ReadScope,
  machine: MachineDefinition<T>,
  scope: { tenantId: string; appId: string },
  hashes: readonly string[],
): Promise<{ session: Instance<T>; user: UserRecord; associated: boolean } | null> {
  const rows = sessionUserRows.all(
    await read.tx.$queryRaw`SELECT ${SESSION_COLUMNS}, ${USER_COLUMNS},
      CASE WHEN ua."user_id" IS NULL THEN 0 ELSE 1 END AS "associated"
    FROM "session" s JOIN "user" u ON u."id" = s."user_id"
    LEFT JOIN "user_app" ua ON ua."user_id" = s."user_id" AND ua."app_id" = ${scope.appId}
    WHERE s."id_hash" IN (${join([...hashes])}) AND s."tenant_id" = ${scope.tenantId} LIMIT 1 ${forUpdateOf(read, 's')}`,
  );
  const raw = rows[0];
  return raw === undefined ? null : { session: toInstance(machine, raw), user: userFromRaw(raw), associated: Number(raw.associated) === 1 };
}

async function reloadSession<T extends SessionTypes>(read: ReadScope, machine: MachineDefinition<T>, id: string): Promise<Instance<T> | null> {
  const rows = sessionRows.all(await read.tx.$queryRaw`SELECT ${SESSION_COLUMNS} FROM "session" s WHERE s."id" = ${id} ${forUpdateOf(read, 's')}`);
  return rows[0] === undefined ? null : toInstance(machine, rows[0]);
}

export type { SessionLogEntry };

const entries = (appId: string, events: readonly LoggedEvent[]): SessionLogEntry[] => events.map((event) => ({ ...event, appId }));
const json = jsonValue;
const time = timeValue;

/** A session's writes as statements (sent by the store below, or queued by an optimistic step). */
function sessionWrites<T extends SessionTypes>(provider: Provider): StoreWrites<T> {
  return {
    insert(db, created) {
      const at = time(provider, new Date(created.events[0]?.at ?? 0));
      const create: SessionCreate = created.create;
      // Session log entries also name the app that caused them (a session is shared by apps).
      return [
        db.$executeRaw`INSERT INTO "session" ("id", "id_hash", "tenant_id", "user_id", "created_by_app_id", "state", "expires_at", "created_at", "updated_at", ${CREATED_COLUMNS})
        VALUES (${created.id}, ${create.idHash}, ${create.tenantId}, ${create.userId}, ${created.appId}, ${topState(created.stateValue)},
          ${time(provider, new Date(created.context.expiresAt))}, ${at}, ${at}, ${createdValues(provider, created, entries(created.appId, created.events))})`,
      ];
    },
    update(db, instance, next) {
      const state = topState(next.stateValue);
      const at = new Date(next.events[0]?.at ?? 0);
      const ended = state === 'terminated' && topState(instance.stateValue) !== 'terminated' ? sql`, "ended_at" = ${time(provider, at)}` : empty;
      const checked = db.$executeRaw`UPDATE "session" SET ${stepAssignments(provider, instance, next)}, "state" = ${state},
        "expires_at" = ${time(provider, new Date(next.context.expiresAt))}${ended} ${atVersion(instance)}`;
      // The log's entry takes (session, version + 1): after a lost race the winner holds that key,
      // so the append fails and takes the batch down with it (StoreWrites' contract).
      return { checked, rest: appendSessionLog(db, provider, instance.id, next.appId, next.events) };
    },
  };
}

export function sessionStore<T extends SessionTypes>(machine: MachineDefinition<T>, provider: Provider): InstanceStore<T> {
  return storeOfWrites(sessionWrites<T>(provider), {
    reload: (read, id) => reloadSession(read, machine, id),
    moveMany: (tx, instances, move) => moveSessions(tx, provider, instances, move),
  });
}

/** The user's sessions in this tenant that are not terminated, newest first, at most `limit`. */
export async function listOpenSessions<T extends SessionTypes>(db: Tx, machine: MachineDefinition<T>, scope: { tenantId: string; userId: string }, limit: number): Promise<Instance<T>[]> {
  const rows = sessionRows.all(
    await db.$queryRaw`SELECT ${SESSION_COLUMNS} FROM "session" s
    WHERE s."tenant_id" = ${scope.tenantId} AND s."user_id" = ${scope.userId} AND s."state" <> 'terminated'
    ORDER BY s."created_at" DESC, s."id" DESC LIMIT ${limit}`,
  );
  return rows.map((raw) => toInstance(machine, raw));
}

/**
 * Applies one uniform step to many sessions in two set-based statements: one update moves every
 * session still at the version it was loaded with; one insert appends the event to each of their
 * logs, with the seq the update just gave it. A session changed concurrently is not matched,
 * reported as false so the runner rolls back and retries. Only for events that change no context
 * (revocation).
 */
async function moveSessions(
  tx: Tx,
  provider: Provider,
  sessions: readonly { id: string; version: number }[],
  step: { stateValue: string; event: Omit<LoggedEvent, 'seq'>; appId: string },
): Promise<boolean> {
  if (sessions.length === 0) return true;
  const state = topState(step.stateValue);
  const at = new Date(step.event.at);
  const loaded = join(sessions.map((session) => sql`(${session.id}, CAST(${session.version} AS INTEGER))`));
  const count = await tx.$executeRaw`UPDATE "session" SET "state" = ${state}, "state_value" = ${step.stateValue}, "version" = "version" + 1, "updated_at" = ${time(provider, at)}
      ${state === 'terminated' ? sql`, "ended_at" = ${time(provider, at)}` : empty}
    WHERE ("id", "version") IN (VALUES ${loaded})`;
  if (count !== sessions.length) return false;
  const ids = join(sessions.map((session) => session.id));
  await tx.$executeRaw`INSERT INTO "session_event" ("session_id", "seq", "type", "at", "state", "app_id", "fields")
    SELECT "id", "version", ${step.event.type}, ${time(provider, at)}, ${step.event.state}, ${step.appId}, ${json(provider, step.event.fields)} FROM "session" WHERE "id" IN (${ids})`;
  return true;
}

/** A session with its input and log, as the admin view and replay read it. */
export async function readSession(db: Tx, id: string): Promise<(Instance<SessionTypes> & { input: unknown; events: SessionLogEntry[] }) | null> {
  const row = await db.session.findUnique({ where: { id } });
  if (row === null) return null;
  return {
    id: row.id,
    machineVersion: row.machineVersion,
    version: row.version,
    stateValue: row.stateValue,
    context: sessionContexts.one(row.context),
    row: { idHash: row.idHash, tenantId: row.tenantId, userId: row.userId, createdByAppId: row.createdByAppId, createdAt: row.createdAt.getTime() },
    input: row.input,
    events: [...creationEntries.one(row.events), ...(await readSessionLog(db, id))],
  };
}

/** The same session id hashed under the current HMAC key (unless another request already did), as a statement to send. */
export function rehashSessionId(db: Tx, id: string, previousHash: string, idHash: string): Statement {
  return db.$executeRaw`UPDATE "session" SET "id_hash" = ${idHash} WHERE "id" = ${id} AND "id_hash" = ${previousHash}`;
}
