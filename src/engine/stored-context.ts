import type { Static, TSchema } from 'typebox';
import type { Frozen } from '../../machines/shared/shapes.js';
import { CorruptRowError, type SchemaCheck, schemaCheck } from '../corrupt-row.js';
import { AuthError } from '../errors.js';
import type { Instance, MachineDefinition, MachineTypes } from './definition.js';

// A stored context reaches its machine only checked: its row names the machine version that wrote
// it, and the machine's context schema (machines/<name>.context.ts, the one declaration of the type
// the machine reads) says what that version keeps. A row of another version is refused here, as the
// runner refuses to run it (410); a row that does not fit its schema is a corrupt row (500, logged
// by table and where it departs, never a value).

/** The schema's check, as the frozen type machines read (a value that fits is never changed in place). */
export function contextSchema<S extends TSchema>(schema: S): SchemaCheck<Frozen<Static<S>>> {
  const check = schemaCheck(schema);
  return { fits: (value): value is Frozen<Static<S>> => check.fits(value), problems: check.problems };
}

/** An instance as its row was read: its context not yet checked. */
export type UncheckedInstance<T extends MachineTypes> = Omit<Instance<T>, 'context'> & { readonly context: unknown };

/** The context of a row of `table`, checked against the machine that will run it. */
export function storedContext<T extends MachineTypes>(
  machine: MachineDefinition<T>,
  table: string,
  row: { readonly id: string; readonly machineVersion: number; readonly context: unknown },
): T['context'] {
  if (row.machineVersion !== machine.version) throw new AuthError('FLOW_VERSION_RETIRED', { details: { instanceId: row.id } });
  if (machine.context.fits(row.context)) return row.context;
  throw new CorruptRowError(table, `a ${machine.name} context (version ${machine.version})`, machine.context.problems(row.context));
}

/** The instance of a row of `table`, its context checked against the machine that will run it. */
export function checkedInstance<T extends MachineTypes>(machine: MachineDefinition<T>, table: string, instance: NoInfer<UncheckedInstance<T>>): Instance<T> {
  return { ...instance, context: storedContext(machine, table, instance) };
}
