/** A unique-constraint violation, translated by repositories and services into our own errors:
 * Prisma's P2002 from the model API, or, from a raw statement ($executeRaw), P2010 carrying the
 * driver adapter's `UniqueConstraintViolation` (PostgreSQL 23505, SQLITE_CONSTRAINT_UNIQUE). */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, meta } = error as { code?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: unknown } } } };
  return code === 'P2002' || (code === 'P2010' && meta?.driverAdapterError?.cause?.kind === 'UniqueConstraintViolation');
}

/** Prisma's "Unable to start a transaction in the given time" (P2028): every connection stayed busy
 * for the whole wait, and the transaction never began. */
export function isTransactionStartTimeout(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 'P2028' && /start a transaction/.test(String(message));
}
