// Prisma's Json input columns take an InputJsonValue. Our values (profiles, preferences, JWKs) are
// typed as records of `unknown`, so instead of asserting that they are JSON, each is walked once at
// this edge and rebuilt as the type the client writes; a value JSON cannot hold (a function, a
// bigint, a symbol) is refused here, with its path, rather than by the driver. Reads are parsed
// (./row-reader.ts).
import type { InputJsonObject, InputJsonValue } from '@prisma/client/runtime/client';

export const toJson = (value: unknown): InputJsonValue => jsonValue(value, '$');

function jsonValue(value: unknown, path: string): InputJsonValue {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((item: unknown, index) => jsonItem(item, `${path}[${index}]`));
  if (typeof value === 'object' && value !== null) {
    // A value that says how it is written (a Date) is written that way, as JSON.stringify would.
    if (hasToJson(value)) return value;
    const object: Record<string, InputJsonValue | null> = {};
    for (const [key, field] of Object.entries(value)) if (field !== undefined) object[key] = jsonItem(field, `${path}.${key}`);
    return object satisfies InputJsonObject;
  }
  throw new TypeError(`${path}: ${typeof value} cannot be stored as JSON`);
}

/** Inside an array or an object, null is a value (only a whole column's null is ambiguous); an
 * undefined array item is written as null, as JSON.stringify writes it. */
const jsonItem = (value: unknown, path: string): InputJsonValue | null => (value === null || value === undefined ? null : jsonValue(value, path));

function hasToJson(value: object): value is { toJSON(): unknown } {
  return 'toJSON' in value && typeof value.toJSON === 'function';
}
