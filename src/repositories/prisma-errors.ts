/** Prisma's unique-constraint violation (P2002), translated by repositories into our own errors. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
}
