// Prisma's Json input columns are typed loosely: this is the one cast between our values and what
// the client writes (reads are parsed, ./row-reader.ts).
import type { InputJsonValue } from '@prisma/client/runtime/client';

export const toJson = (value: unknown): InputJsonValue => value as InputJsonValue;
