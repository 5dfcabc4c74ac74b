// Tests read stored JSON columns directly to assert on them; they trust the shape they just wrote
// (src/ parses every read: src/repositories/row-reader.ts).
export const fromJson = <T>(value: unknown): T => value as T;
