import type { MachineDefinition, MachineTypes } from './definition.js';

// What of an event the log keeps: the fields its machine's log policy names for its type, and
// nothing else (an event type without a policy keeps no fields).

export function loggedFields<T extends MachineTypes>(definition: MachineDefinition<T>, event: { readonly type: string }): Record<string, unknown> {
  const policy: Readonly<Record<string, readonly PropertyKey[]>> = definition.logged;
  const fields = policy[event.type] ?? [];
  return Object.fromEntries(fields.filter((field) => Object.hasOwn(event, field)).map((field) => [field, Reflect.get(event, field)]));
}
