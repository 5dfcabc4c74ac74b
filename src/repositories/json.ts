// Prisma's Json columns are typed loosely; these two helpers are the only casts between our types
// and the stored JSON, so a reader knows where shapes are trusted.
import type { InputJsonValue } from '@prisma/client/runtime/client';

export const toJson = (value: unknown): InputJsonValue => value as InputJsonValue;
export const fromJson = <T>(value: unknown): T => value as T;
