import type { Tx } from '../storage/prisma.js';
import { isUniqueViolation } from './prisma-errors.js';

export interface TenantRecord {
  readonly id: string;
  readonly name: string;
}

export const DEFAULT_TENANT_NAME = 'default';

export async function findTenantById(db: Tx, id: string): Promise<TenantRecord | null> {
  return db.tenant.findUnique({ where: { id }, select: { id: true, name: true } });
}

export async function findTenantByName(db: Tx, name: string): Promise<TenantRecord | null> {
  return db.tenant.findUnique({ where: { name }, select: { id: true, name: true } });
}

/** Inserts the tenant; null when the name is taken (also when a concurrent insert won). */
export async function insertTenant(db: Tx, tenant: TenantRecord): Promise<TenantRecord | null> {
  try {
    return await db.tenant.create({ data: tenant, select: { id: true, name: true } });
  } catch (error) {
    if (isUniqueViolation(error)) return null;
    throw error;
  }
}
