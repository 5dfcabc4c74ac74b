import type { MachineDefinition, MachineTypes } from './definition.js';

// What of an event the log keeps: the fields its machine's log policy names for its type, and
// nothing else (an event type without a policy keeps no fields).

export function loggedFields<T extends MachineTypes>(definition: MachineDefinition<T>, event: { readonly type: string }): Record<string, unknown> {
  const fields = (definition.logged as Readonly<Record<string, readonly string[]>>)[event.type] ?? [];
  const source = event as Readonly<Record<string, unknown>>;
  return Object.fromEntries(fields.filter((field) => Object.hasOwn(source, field)).map((field) => [field, source[field]]));
}
