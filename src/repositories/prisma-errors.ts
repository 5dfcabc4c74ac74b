// Prisma's errors that repositories, services and the runner translate into our own.

type PrismaErrorShape = { code?: unknown; message?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: unknown; message?: unknown } } } };

const shapeOf = (error: unknown): PrismaErrorShape | null => (typeof error === 'object' && error !== null ? error : null);

/** The driver adapter's error kind a raw statement's error carries (P2010's meta), if any. */
const adapterKindOf = (error: PrismaErrorShape): unknown => error.meta?.driverAdapterError?.cause?.kind;

/** A unique-constraint violation, translated by repositories and services into our own errors:
 * Prisma's P2002 from the model API, or, from a raw statement ($executeRaw), P2010 carrying the
 * driver adapter's `UniqueConstraintViolation` (PostgreSQL 23505, SQLITE_CONSTRAINT_UNIQUE). */
export function isUniqueViolation(error: unknown): boolean {
  const shape = shapeOf(error);
  return shape !== null && (shape.code === 'P2002' || (shape.code === 'P2010' && adapterKindOf(shape) === 'UniqueConstraintViolation'));
}

/** A foreign-key violation from a raw statement (P2010 carrying the driver adapter's
 * `ForeignKeyConstraintViolation`): e.g. an event appended to an instance deleted meanwhile. */
export function isForeignKeyViolation(error: unknown): boolean {
  const shape = shapeOf(error);
  return shape !== null && (shape.code === 'P2003' || (shape.code === 'P2010' && adapterKindOf(shape) === 'ForeignKeyConstraintViolation'));
}

/** Prisma's "Unable to start a transaction in the given time" (P2028): every connection stayed busy
 * for the whole wait, and the transaction never began. */
export function isTransactionStartTimeout(error: unknown): boolean {
  const shape = shapeOf(error);
  return shape !== null && shape.code === 'P2028' && /start a transaction/.test(String(shape.message));
}

/** PostgreSQL broke a deadlock (40P01) or a serialization failure (40001) ended the transaction:
 * Prisma's P2034 from the model API, or the driver adapter's `TransactionWriteConflict` in a raw
 * statement's error. Nothing was written; running the transaction again is safe. */
export function isWriteConflict(error: unknown): boolean {
  const shape = shapeOf(error);
  return shape !== null && (shape.code === 'P2034' || adapterKindOf(shape) === 'TransactionWriteConflict');
}

/** The marker a guarded step's statement fails with when its version-checked UPDATE matched no row
 * (./stale-guard.ts): the engine's own error text, raised by the database, rolling its batch back. */
export const STALE_MARKER = 'stale instance';

/** A guarded UPDATE lost its race (./stale-guard.ts): its batch rolled back, nothing was written. */
export function isStaleGuard(error: unknown): boolean {
  const shape = shapeOf(error);
  const message = shape?.meta?.driverAdapterError?.cause?.message;
  return shape !== null && shape.code === 'P2010' && typeof message === 'string' && message.includes(STALE_MARKER);
}
