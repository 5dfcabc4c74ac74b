import { type StaticEncode, type TSchema, Type } from 'typebox';
import { CorruptRowError, schemaCheck } from '../corrupt-row.js';

// Rows are parsed where they enter: every raw query's rows and every JSON column go through a
// schema of their shape, so the types the rest of the code relies on are checked, not asserted.
// Each reader compiles its schema once, at its first row (src/corrupt-row.ts schemaCheck).
// A row that does not fit throws CorruptRowError (which never carries a value). A machine's context
// is read here as an object, then checked field by field against the schema of the machine that
// will run it, by the version its row names (src/engine/stored-context.ts), before anything reads it.

/** Column types the drivers hand back, beyond JSON's own. */
export const Column = {
  /** A timestamp column: both adapters answer a Date. */
  date: Type.Refine(
    Type.Unsafe<Date>(Type.Unknown()),
    (value) => value instanceof Date,
    () => 'must be a Date',
  ),
  /** A boolean computed in SQL (a CASE): SQLite answers 0n or 1n (an expression has no declared
   * type, so the adapter keeps SQLite's integer), PostgreSQL a number or a boolean. */
  flag: Type.Union([Type.Boolean(), Type.Number(), Type.BigInt()]),
  /** A JSON column holding an object (a machine's context, a user's profile…). */
  object: Type.Record(Type.String(), Type.Unknown()),
  /** Any JSON (a machine's input: the engine hands it back to the machine that wrote it). */
  json: Type.Unknown(),
  nullable: <S extends TSchema>(schema: S) => Type.Union([schema, Type.Null()]),
};

/** One entry of an instance's log, as the rows keep it (engine/definition.ts LoggedEvent). */
export const LoggedEventShape = Type.Object({ seq: Type.Number(), type: Type.String(), at: Type.Number(), state: Type.String(), fields: Column.object });
/** A log kept whole in a JSON column (the creation entry, or a flow's every event). */
export const LoggedEvents = Type.Array(LoggedEventShape);

/** Reads values of one shape: a row of a raw query, or the value of one JSON column. */
export interface Reader<T> {
  /** The value, checked; throws CorruptRowError when it does not fit. */
  one(value: unknown): T;
  /** A raw query's rows, each checked. */
  all(rows: unknown): T[];
}

/** A reader of `schema` for rows of `table`; `shape` names it in errors (e.g. `flow row`). */
export function reader<S extends TSchema>(table: string, shape: string, schema: S): Reader<StaticEncode<S>> {
  const check = schemaCheck(schema);
  const corrupt = (value: unknown, at = '') =>
    new CorruptRowError(
      table,
      shape,
      check.problems(value).map((problem) => `${at}${problem}`),
    );
  return {
    one(value) {
      if (check.fits(value)) return value;
      throw corrupt(value);
    },
    all(rows) {
      if (!Array.isArray(rows)) throw new CorruptRowError(table, shape, ['the query did not answer rows']);
      return rows.map((row: unknown, index) => {
        if (check.fits(row)) return row;
        throw corrupt(row, `row ${index}: `);
      });
    },
  };
}

/** The columns every instance row shares (instance-columns.ts), as a SELECT names them. */
export const InstanceColumns = { id: Type.String(), machineVersion: Type.Number(), stateValue: Type.String(), context: Column.object, version: Type.Number() };

/** A credential's kind (credential and shadow_credential rows). */
export const CredentialKindShape = Type.Union([Type.Literal('password'), Type.Literal('totp'), Type.Literal('passcode-lock'), Type.Literal('passkey')]);
