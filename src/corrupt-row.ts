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
