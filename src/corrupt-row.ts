import type { StaticEncode, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

// A row the database handed back that does not have the shape its table promises: a JSON column
// written by an older release or by hand, a column a migration changed, a raw query whose SELECT list
// and reader disagree. Not the caller's fault and not an outage (a retry reads the same row): a
// server fault, answered with the generic INTERNAL body (src/http/error-handler.ts). The message and
// fields name the table, the shape and where the row departs from it, never a value: columns hold
// hashes, sealed secrets and personal data.

export class CorruptRowError extends Error {
  /** The table (or query) the row came from. */
  readonly table: string;
  /** The shape the row was read as (e.g. `flow row`, `app.redirect_uris`). */
  readonly shape: string;
  /** Where the row departs from the shape: a JSON pointer and what was expected, no value. */
  readonly problems: readonly string[];

  constructor(table: string, shape: string, problems: readonly string[]) {
    super(`a row of "${table}" does not fit ${shape}: ${problems.join('; ')}`);
    this.name = 'CorruptRowError';
    this.table = table;
    this.shape = shape;
    this.problems = problems;
  }
}

/** Most problems a CorruptRowError lists (a badly broken row would otherwise list every column). */
const MAX_PROBLEMS = 5;

/** A schema's check of stored values. */
export interface SchemaCheck<T> {
  fits(value: unknown): value is T;
  /** Where the value departs from the schema (JSON pointers, no value), at most MAX_PROBLEMS. */
  problems(value: unknown): string[];
}

/** Checks values against `schema`, compiled at the first check: compiling every schema at module
 * load cost each process ~0.5 s at start; a check is then a few comparisons per field. */
export function schemaCheck<S extends TSchema>(schema: S): SchemaCheck<StaticEncode<S>> {
  const compile = () => Compile(schema);
  let compiled: ReturnType<typeof compile> | undefined;
  const validator = () => (compiled ??= compile());
  return {
    fits: (value): value is StaticEncode<S> => validator().Check(value),
    problems: (value) =>
      validator()
        .Errors(value)
        .slice(0, MAX_PROBLEMS)
        .map((error) => `${error.instancePath || '/'} ${error.message}`),
  };
}
