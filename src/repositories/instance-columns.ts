import type { Instance, LoggedEvent, MachineTypes } from '../engine/definition.js';
import type { Created, Written } from '../engine/instance-store.js';
import type { Provider } from '../storage/database-url.js';
import { join, rawSql, sql, type Sql } from '../storage/sql.js';
import { jsonValue, timeValue } from './sql-values.js';

// The columns every statechart instance row shares (flows, sessions, refresh-token families), as
// the runner's writes fill them: the machine version, input, state value, context, the log entries
// of the creation, and the version check. Written as SQL through `$executeRaw`: Prisma's model
// `create` costs about four times a raw INSERT (it plans the query and reads the row back), and
// these writes are on every login.

/** The shared columns of a new row, in the order `createdValues` gives them. */
export const CREATED_COLUMNS = rawSql(`"machine_version", "input", "state_value", "context", "events", "version"`);

/** The values of `CREATED_COLUMNS`; `events` is the creation's log as the row keeps it. */
export function createdValues<T extends MachineTypes>(provider: Provider, created: Created<T>, events: readonly unknown[] = created.events): Sql {
  return sql`${created.machineVersion}, ${jsonValue(provider, created.input)}, ${created.stateValue}, ${jsonValue(provider, created.context)}, ${jsonValue(provider, events)}, ${created.events.length}`;
}

/** The SET list of a step, its log aside (instances whose log has a table of its own). */
export function stepAssignments<T extends MachineTypes>(provider: Provider, instance: Instance<T>, next: Written<T>): Sql {
  return sql`"state_value" = ${next.stateValue}, "context" = ${jsonValue(provider, next.context)}, "version" = ${instance.version + next.events.length},
    "updated_at" = ${timeValue(provider, new Date(next.events[0]?.at ?? 0))}`;
}

/** The SET list of a step of an instance that keeps its whole log in its row (flows: a few events
 * each): the step's events are appended where the log is (issue 17), not the loaded log written
 * again: SQLite's `json_insert(…, '$[#]', …)` appends one element per pair, PostgreSQL's `||`
 * concatenates arrays. The version check keeps the log's order: only the step that moved the
 * version appends. */
export function writtenAssignments<T extends MachineTypes>(provider: Provider, instance: Instance<T>, next: Written<T>): Sql {
  return sql`${stepAssignments(provider, instance, next)}, "events" = ${appended(provider, next.events)}`;
}

function appended(provider: Provider, events: readonly LoggedEvent[]): Sql {
  if (provider === 'postgresql') return sql`"events" || ${jsonValue(provider, events)}`;
  if (events.length === 0) return sql`"events"`;
  return sql`json_insert("events", ${join(
    events.map((event) => sql`'$[#]', json(${jsonValue(provider, event)})`),
    ', ',
  )})`;
}

/** The version check every step's UPDATE ends with: a lost race matches no row. */
export const atVersion = (instance: { id: string; version: number }): Sql => sql`WHERE "id" = ${instance.id} AND "version" = ${instance.version}`;
