import type { LoginPreferences } from '../apps/login-preferences.js';
import type { Tx } from '../storage/prisma.js';
import { fromJson, toJson } from './json.js';

export interface AppRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly clientId: string;
  readonly clientSecretHash: string;
  readonly redirectUris: readonly string[];
  readonly resources: readonly string[];
  readonly loginPreferences: LoginPreferences;
}

// The shape is the admin API's validated schema (src/apps/login-preferences.ts).
export type { LoginPreferences };

type AppRow = {
  id: string;
  tenantId: string;
  name: string;
  clientId: string;
  clientSecretHash: string;
  redirectUris: unknown;
  resources: unknown;
  loginPreferences: unknown;
};

const toRecord = (row: AppRow): AppRecord => ({
  id: row.id,
  tenantId: row.tenantId,
  name: row.name,
  clientId: row.clientId,
  clientSecretHash: row.clientSecretHash,
  redirectUris: fromJson<string[]>(row.redirectUris),
  resources: fromJson<string[]>(row.resources),
  loginPreferences: fromJson<LoginPreferences>(row.loginPreferences),
});

export async function findAppById(db: Tx, id: string): Promise<AppRecord | null> {
  const row = await db.app.findUnique({ where: { id } });
  return row === null ? null : toRecord(row);
}

export async function findAppByClientId(db: Tx, clientId: string): Promise<AppRecord | null> {
  const row = await db.app.findUnique({ where: { clientId } });
  return row === null ? null : toRecord(row);
}

export async function insertApp(db: Tx, app: AppRecord): Promise<AppRecord> {
  const row = await db.app.create({
    data: {
      ...app,
      redirectUris: toJson(app.redirectUris),
      resources: toJson(app.resources),
      loginPreferences: toJson(app.loginPreferences),
    },
  });
  return toRecord(row);
}

export async function updateApp(
  db: Tx,
  id: string,
  changes: Partial<Pick<AppRecord, 'name' | 'redirectUris' | 'resources' | 'loginPreferences' | 'clientSecretHash'>>,
): Promise<AppRecord | null> {
  const data = {
    ...(changes.name === undefined ? {} : { name: changes.name }),
    ...(changes.clientSecretHash === undefined ? {} : { clientSecretHash: changes.clientSecretHash }),
    ...(changes.redirectUris === undefined ? {} : { redirectUris: toJson(changes.redirectUris) }),
    ...(changes.resources === undefined ? {} : { resources: toJson(changes.resources) }),
    ...(changes.loginPreferences === undefined ? {} : { loginPreferences: toJson(changes.loginPreferences) }),
  };
  const { count } = await db.app.updateMany({ where: { id }, data });
  return count === 0 ? null : findAppById(db, id);
}

export async function countApps(db: Tx): Promise<number> {
  return db.app.count();
}
