import type { LoggedEvent } from '../engine/definition.js';
import type { Provider } from '../storage/database-url.js';
import { join, rawSql, sql } from '../storage/sql.js';
import type { Statement, Tx } from '../storage/prisma.js';
import { Column, reader } from './row-reader.js';
import { jsonValue, timeValue } from './sql-values.js';

// The logs of long-lived instances (sessions, refresh-token families, credentials) after their creation: one
// row per event, appended, never rewritten, so a session that takes thousands of silent
// authentications writes the same small row for the next one. (owner, seq) is the key: two writers
// of the same step cannot both append. The creation entry stays in the instance's own row, written
// with it.

export interface SessionLogEntry extends LoggedEvent {
  /** The app whose request caused the event (a session is shared by the apps of its tenant). */
  readonly appId: string;
}

const sessionFields = reader('session_event', 'session_event.fields', Column.object);
const familyFields = reader('refresh_family_event', 'refresh_family_event.fields', Column.object);
const credentialFields = {
  credential_event: reader('credential_event', 'credential_event.fields', Column.object),
  shadow_credential_event: reader('shadow_credential_event', 'shadow_credential_event.fields', Column.object),
};

/** The statement appending a session's events (none when there are none), to send or to batch. */
export function appendSessionLog(tx: Tx, provider: Provider, sessionId: string, appId: string, events: readonly LoggedEvent[]): Statement[] {
  if (events.length === 0) return [];
  const rows = events.map((event) => sql`(${sessionId}, ${event.seq}, ${event.type}, ${timeValue(provider, new Date(event.at))}, ${event.state}, ${appId}, ${jsonValue(provider, event.fields)})`);
  return [tx.$executeRaw`INSERT INTO "session_event" ("session_id", "seq", "type", "at", "state", "app_id", "fields") VALUES ${join(rows)}`];
}

/** The statement appending a family's events (none when there are none), to send or to batch. */
export function appendFamilyLog(tx: Tx, provider: Provider, familyId: string, events: readonly LoggedEvent[]): Statement[] {
  if (events.length === 0) return [];
  const rows = events.map((event) => sql`(${familyId}, ${event.seq}, ${event.type}, ${timeValue(provider, new Date(event.at))}, ${event.state}, ${jsonValue(provider, event.fields)})`);
  return [tx.$executeRaw`INSERT INTO "refresh_family_event" ("family_id", "seq", "type", "at", "state", "fields") VALUES ${join(rows)}`];
}

/** The tables keeping the logs of credentials: real ones, and stand-ins (shadow-credential-repository.ts). */
export type CredentialLogTable = 'credential_event' | 'shadow_credential_event';

/** The statement appending a credential's events (none when there are none), to send or to batch;
 * each names the app whose request caused it. */
export function appendCredentialLog(tx: Tx, provider: Provider, credentialId: string, appId: string, events: readonly LoggedEvent[], table: CredentialLogTable = 'credential_event'): Statement[] {
  if (events.length === 0) return [];
  const rows = events.map((event) => sql`(${credentialId}, ${event.seq}, ${event.type}, ${timeValue(provider, new Date(event.at))}, ${event.state}, ${appId}, ${jsonValue(provider, event.fields)})`);
  return [tx.$executeRaw`INSERT INTO ${rawSql(`"${table}"`)} ("credential_id", "seq", "type", "at", "state", "app_id", "fields") VALUES ${join(rows)}`];
}

/** A session's log after its creation entry, in order. */
export async function readSessionLog(db: Tx, sessionId: string): Promise<SessionLogEntry[]> {
  const rows = await db.sessionEvent.findMany({ where: { sessionId }, orderBy: { seq: 'asc' } });
  return rows.map((row) => ({ seq: row.seq, type: row.type, at: row.at.getTime(), state: row.state, appId: row.appId, fields: sessionFields.one(row.fields) }));
}

/** A family's log after its creation entry, in order. */
export async function readFamilyLog(db: Tx, familyId: string): Promise<LoggedEvent[]> {
  const rows = await db.refreshFamilyEvent.findMany({ where: { familyId }, orderBy: { seq: 'asc' } });
  return rows.map((row) => ({ seq: row.seq, type: row.type, at: row.at.getTime(), state: row.state, fields: familyFields.one(row.fields) }));
}

/** A credential's log after its creation entry, in order (a stand-in's, from its own table). */
export async function readCredentialLog(db: Tx, credentialId: string, table: CredentialLogTable = 'credential_event'): Promise<LoggedEvent[]> {
  const where = { where: { credentialId }, orderBy: { seq: 'asc' as const } };
  const rows = table === 'credential_event' ? await db.credentialEvent.findMany(where) : await db.shadowCredentialEvent.findMany(where);
  return rows.map((row) => ({ seq: row.seq, type: row.type, at: row.at.getTime(), state: row.state, fields: credentialFields[table].one(row.fields) }));
}
