// Reading values whose type is not known (a caught error, a library's untyped object, parsed
// JSON) by checking them, not by asserting a shape.

/** `value[key]` when `value` is an object that has that own or inherited key; else undefined. */
export function fieldOf(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && key in value ? Reflect.get(value, key) : undefined;
}

/** A caught error's string `code` (Node's errno codes, drivers' codes), if it has one. */
export function errorCodeOf(error: unknown): string | undefined {
  const code = fieldOf(error, 'code');
  return typeof code === 'string' ? code : undefined;
}

/** Whether `value` is one of `allowed` (a list of literals), as a type guard. */
export function isOneOf<T extends string>(allowed: readonly T[], value: string): value is T {
  return allowed.some((item) => item === value);
}

/** The oldest key of a Map kept in insertion order (the one an LRU evicts), if any. */
export function oldestKey<K>(map: ReadonlyMap<K, unknown>): K | undefined {
  const first = map.keys().next();
  return first.done === true ? undefined : first.value;
}
