// A state value as one string, for the columns and logs that hold it.

/** `{ a: { b: 'c' } }` → "a.b.c": what the Flow row's `stateValue` column and the event log hold. */
export function stateValueToString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') {
    return Object.entries(value)
      .map(([key, inner]) => `${key}.${stateValueToString(inner)}`)
      .join(',');
  }
  return String(value);
}
