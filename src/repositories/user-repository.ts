import { empty, sql, type Sql } from '../storage/sql.js';
import type { Provider } from '../storage/database-url.js';
import type { Statement, Tx } from '../storage/prisma.js';
import { Type } from 'typebox';
import { RawUserColumns, USER_COLUMNS, type UserRecord, userFromRaw } from './user-rows.js';
import { Column, reader } from './row-reader.js';
import { toJson } from './json.js';
import { isUniqueViolation } from './prisma-errors.js';
import { timeValue } from './sql-values.js';

// Users are tenant-level identities; an app only ever sees the users associated with it
// (UserApp), so every read here is scoped by app.

export type { UserRecord } from './user-rows.js';

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

/** Which column an identifier type names (a username is per app, on the association). */
const IDENTIFIER_COLUMN: Readonly<Record<IdentifierType, Sql>> = {
  user_id: sql`u."id"`,
  email: sql`u."email"`,
  phone_number: sql`u."phone_number"`,
  username: sql`ua."username"`,
};

const appUserRows = reader('user', 'a user row with its passcode lock', Type.Object({ ...RawUserColumns, lock: Column.nullable(Column.object) }));

/** Until when a passcode lock's context says the user is locked out (null: never locked). */
const lockedUntilOf = (context: Readonly<Record<string, unknown>> | null): number | null => (typeof context?.lockedUntil === 'number' ? context.lockedUntil : null);

/** The user with this (normalised) identifier, if it is associated with the app, with the lock of
 * the user's passcode lock instance for this app when asked (src/flows/otp/lock.ts, by its live
 * key; the key `<app>:<user>:` names nothing, so nothing joins when not asked): one statement. */
export async function findAppUser(
  db: Tx,
  scope: { appId: string; tenantId: string },
  type: IdentifierType,
  value: string,
  withPasscodeLock = false,
): Promise<{ user: UserRecord; lockedUntil: number | null } | null> {
  const rows = appUserRows.all(
    await db.$queryRaw`SELECT ${USER_COLUMNS}, l."context" AS "lock"
    FROM "user" u JOIN "user_app" ua ON ua."user_id" = u."id" AND ua."app_id" = ${scope.appId}
    LEFT JOIN "credential" l ON l."live_key" = ${`${scope.appId}:`} || u."id" || ${withPasscodeLock ? ':passcode-lock' : ':'}
    WHERE u."tenant_id" = ${scope.tenantId} AND ${IDENTIFIER_COLUMN[type]} = ${value} LIMIT 1`,
  );
  const raw = rows[0];
  return raw === undefined ? null : { user: userFromRaw(raw), lockedUntil: withPasscodeLock ? lockedUntilOf(raw.lock) : null };
}

/** The user with this identifier, if it is associated with the app. */
export async function findUserForApp(db: Tx, appId: string, tenantId: string, type: IdentifierType, value: string): Promise<UserRecord | null> {
  return (await findAppUser(db, { appId, tenantId }, type, value))?.user ?? null;
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
        apps: {
          create: { appId, createdAt: now, username: link.username, externalAccountId: link.externalAccountId, customAppData: link.customAppData === null ? undefined : toJson(link.customAppData) },
        },
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
      data: {
        userId,
        appId,
        createdAt: new Date(at),
        username: link.username,
        externalAccountId: link.externalAccountId,
        customAppData: link.customAppData === null ? undefined : toJson(link.customAppData),
      },
    });
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

/** After a successful login: Pending → Active, last-auth time, and the address the code went to verified. */
export function recordLogin(db: Tx, provider: Provider, user: UserRecord, at: number, verified: 'email' | 'phone' | null): Statement {
  // SQL rather than the model's `update`: on every login, and the model reads the row back.
  const now = timeValue(provider, new Date(at));
  const activated = user.status === 'Pending' ? sql`, "status" = ${'Active'}, "status_changed_at" = ${now}` : empty;
  const verifiedNow =
    verified === 'email' && user.emailVerifiedAt === null ? sql`, "email_verified_at" = ${now}` : verified === 'phone' && user.phoneVerifiedAt === null ? sql`, "phone_verified_at" = ${now}` : empty;
  return db.$executeRaw`UPDATE "user" SET "last_auth_at" = ${now}, "updated_at" = ${now}${activated}${verifiedNow} WHERE "id" = ${user.id}`;
}

/** Associates the user with another app of the same tenant if needed (SSO, §6 item 16): one
 * statement to send (or to batch with the step that needs it); an existing association stays. */
export function ensureAssociated(db: Tx, provider: Provider, userId: string, appId: string, at: number): Statement {
  return db.$executeRaw`INSERT INTO "user_app" ("user_id", "app_id", "created_at") VALUES (${userId}, ${appId}, ${timeValue(provider, new Date(at))})
    ON CONFLICT ("user_id", "app_id") DO NOTHING`;
}

/** Gives the user this username in the app; false when another user of the app holds it (the
 * caller then ends its transaction: on PostgreSQL the failed statement has aborted it). */
export async function setAppUsername(db: Tx, userId: string, appId: string, username: string): Promise<boolean> {
  try {
    await db.userApp.update({ where: { userId_appId: { userId, appId } }, data: { username } });
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}
