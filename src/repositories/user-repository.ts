import type { Tx } from '../storage/prisma.js';
import type { UserClaimsSource } from '../tokens/claims.js';
import { fromJson, toJson } from './json.js';
import { isUniqueViolation } from './prisma-errors.js';

// Users are tenant-level identities; an app only ever sees the users associated with it
// (UserApp), so every read here is scoped by app.

export type UserStatus = 'Pending' | 'Active' | 'Disabled';

export interface UserRecord extends UserClaimsSource {
  readonly tenantId: string;
  readonly status: UserStatus;
  readonly statusChangedAt: number;
  readonly emailVerifiedAt: number | null;
  readonly phoneVerifiedAt: number | null;
  readonly updatedAt: number;
}

export type IdentifierType = 'email' | 'phone_number' | 'user_id' | 'username';

export interface NewUser {
  readonly id: string;
  readonly tenantId: string;
  readonly email: string | null;
  readonly phoneNumber: string | null;
  readonly externalUserId: string | null;
  readonly profile: Readonly<Record<string, unknown>>;
  readonly customData: Readonly<Record<string, unknown>> | null;
}

export interface AppLink {
  readonly username: string | null;
  readonly externalAccountId: string | null;
  readonly customAppData: Readonly<Record<string, unknown>> | null;
}

const withApp = (appId: string) => ({ apps: { where: { appId } } }) as const;

type UserRow = {
  id: string;
  tenantId: string;
  email: string | null;
  emailVerifiedAt: Date | null;
  phoneNumber: string | null;
  phoneVerifiedAt: Date | null;
  status: string;
  statusChangedAt: Date;
  externalUserId: string | null;
  profile: unknown;
  customData: unknown;
  lastAuthAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  apps: { username: string | null; externalAccountId: string | null; customAppData: unknown }[];
};

const toRecord = (row: UserRow): UserRecord => {
  const link = row.apps[0];
  return {
    id: row.id,
    tenantId: row.tenantId,
    email: row.email,
    emailVerified: row.emailVerifiedAt !== null,
    emailVerifiedAt: row.emailVerifiedAt?.getTime() ?? null,
    phoneNumber: row.phoneNumber,
    phoneVerified: row.phoneVerifiedAt !== null,
    phoneVerifiedAt: row.phoneVerifiedAt?.getTime() ?? null,
    status: row.status as UserStatus,
    statusChangedAt: row.statusChangedAt.getTime(),
    externalUserId: row.externalUserId,
    profile: fromJson<Record<string, unknown>>(row.profile),
    customData: fromJson<Record<string, unknown> | null>(row.customData),
    lastAuthAt: row.lastAuthAt?.getTime() ?? null,
    createdAt: row.createdAt.getTime(),
    updatedAt: row.updatedAt.getTime(),
    username: link?.username ?? null,
    externalAccountId: link?.externalAccountId ?? null,
    customAppData: fromJson<Record<string, unknown> | null>(link?.customAppData ?? null),
  };
};

/** The user with this identifier, if it is associated with the app. */
export async function findUserForApp(db: Tx, appId: string, tenantId: string, type: IdentifierType, value: string): Promise<UserRecord | null> {
  const include = withApp(appId);
  const associated = { tenantId, apps: { some: { appId } } };
  let row: UserRow | null;
  switch (type) {
    case 'user_id':
      row = await db.user.findFirst({ where: { id: value, ...associated }, include });
      break;
    case 'email':
      row = await db.user.findFirst({ where: { email: value.toLowerCase(), ...associated }, include });
      break;
    case 'phone_number':
      row = await db.user.findFirst({ where: { phoneNumber: value, ...associated }, include });
      break;
    case 'username': {
      const link = await db.userApp.findUnique({ where: { appId_username: { appId, username: value } }, select: { userId: true } });
      row = link === null ? null : await db.user.findFirst({ where: { id: link.userId, tenantId }, include });
      break;
    }
  }
  return row === null ? null : toRecord(row);
}

/** Users of the tenant that already hold any of these identities (for create-or-associate). */
export async function findTenantUsersByIdentity(
  db: Tx,
  tenantId: string,
  identity: { email: string | null; phoneNumber: string | null; externalUserId: string | null },
): Promise<{ id: string; appIds: string[] }[]> {
  const or = [
    ...(identity.email === null ? [] : [{ email: identity.email }]),
    ...(identity.phoneNumber === null ? [] : [{ phoneNumber: identity.phoneNumber }]),
    ...(identity.externalUserId === null ? [] : [{ externalUserId: identity.externalUserId }]),
  ];
  if (or.length === 0) return [];
  const rows = await db.user.findMany({ where: { tenantId, OR: or }, select: { id: true, apps: { select: { appId: true } } } });
  return rows.map((row) => ({ id: row.id, appIds: row.apps.map((link) => link.appId) }));
}

/** Creates the user and its association with the app; null when an identity is taken (race-safe). */
export async function insertUser(db: Tx, user: NewUser, appId: string, link: AppLink, at: number): Promise<boolean> {
  const now = new Date(at);
  try {
    await db.user.create({
      data: {
        ...user,
        createdAt: now,
        updatedAt: now,
        statusChangedAt: now,
        profile: toJson(user.profile),
        customData: user.customData === null ? undefined : toJson(user.customData),
        apps: { create: { appId, createdAt: now, username: link.username, externalAccountId: link.externalAccountId, customAppData: link.customAppData === null ? undefined : toJson(link.customAppData) } },
      },
    });
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

/** Associates an existing tenant user with the app; false when the username is taken in the app. */
export async function associateUser(db: Tx, userId: string, appId: string, link: AppLink, at: number): Promise<boolean> {
  try {
    await db.userApp.create({
      data: { userId, appId, createdAt: new Date(at), username: link.username, externalAccountId: link.externalAccountId, customAppData: link.customAppData === null ? undefined : toJson(link.customAppData) },
    });
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

/** After a successful login: Pending → Active, last-auth time, and the address the code went to verified. */
export async function recordLogin(db: Tx, user: UserRecord, at: number, verified: 'email' | 'phone' | null): Promise<void> {
  const now = new Date(at);
  await db.user.update({
    where: { id: user.id },
    data: {
      lastAuthAt: now,
      updatedAt: now,
      ...(user.status === 'Pending' ? { status: 'Active', statusChangedAt: now } : {}),
      ...(verified === 'email' && user.emailVerifiedAt === null ? { emailVerifiedAt: now } : {}),
      ...(verified === 'phone' && user.phoneVerifiedAt === null ? { phoneVerifiedAt: now } : {}),
    },
  });
}

/** Associates the user with another app of the same tenant if needed (SSO, §6 item 16). */
export async function ensureAssociated(db: Tx, userId: string, appId: string, at: number): Promise<void> {
  await db.userApp.upsert({ where: { userId_appId: { userId, appId } }, create: { userId, appId, createdAt: new Date(at) }, update: {} });
}

export async function findUserById(db: Tx, userId: string, appId: string): Promise<UserRecord | null> {
  const row = await db.user.findUnique({ where: { id: userId }, include: withApp(appId) });
  return row === null ? null : toRecord(row);
}
