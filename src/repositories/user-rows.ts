import { type Static, Type } from 'typebox';
import { sql } from '../storage/sql.js';
import type { UserClaimsSource } from '../model/claims.js';
import { Column } from './row-reader.js';

// A user as the app sees it: the tenant-level identity (table "user", alias u) and the app-level
// fields of its association with the app (table "user_app", alias ua), read in one statement by
// the queries of the hot paths.

type UserStatus = 'Pending' | 'Active' | 'Disabled';

export interface UserRecord extends UserClaimsSource {
  readonly tenantId: string;
  readonly status: UserStatus;
  readonly statusChangedAt: number;
  readonly emailVerifiedAt: number | null;
  readonly phoneVerifiedAt: number | null;
  readonly updatedAt: number;
}

const text = Type.String();
const nullableText = Column.nullable(text);
const nullableDate = Column.nullable(Column.date);

/** The columns USER_COLUMNS selects, as a raw query's row holds them (spread into the row's shape). */
export const RawUserColumns = {
  userId: text,
  userTenantId: text,
  email: nullableText,
  emailVerifiedAt: nullableDate,
  phoneNumber: nullableText,
  phoneVerifiedAt: nullableDate,
  status: Type.Union([Type.Literal('Pending'), Type.Literal('Active'), Type.Literal('Disabled')]),
  statusChangedAt: Column.date,
  externalUserId: nullableText,
  profile: Column.object,
  customData: Column.nullable(Column.object),
  lastAuthAt: nullableDate,
  userCreatedAt: Column.date,
  userUpdatedAt: Column.date,
  username: nullableText,
  externalAccountId: nullableText,
  customAppData: Column.nullable(Column.object),
};
const RawUser = Type.Object(RawUserColumns);
export type RawUser = Static<typeof RawUser>;

/** The columns of RawUser; the query names the user `u` and LEFT JOINs its association as `ua`. */
export const USER_COLUMNS = sql`u."id" AS "userId", u."tenant_id" AS "userTenantId", u."email", u."email_verified_at" AS "emailVerifiedAt",
  u."phone_number" AS "phoneNumber", u."phone_verified_at" AS "phoneVerifiedAt", u."status", u."status_changed_at" AS "statusChangedAt",
  u."external_user_id" AS "externalUserId", u."profile", u."custom_data" AS "customData", u."last_auth_at" AS "lastAuthAt",
  u."created_at" AS "userCreatedAt", u."updated_at" AS "userUpdatedAt",
  ua."username", ua."external_account_id" AS "externalAccountId", ua."custom_app_data" AS "customAppData"`;

const time = (date: Date | null): number | null => date?.getTime() ?? null;

export function userFromRaw(raw: RawUser): UserRecord {
  return {
    id: raw.userId,
    tenantId: raw.userTenantId,
    email: raw.email,
    emailVerified: raw.emailVerifiedAt !== null,
    emailVerifiedAt: time(raw.emailVerifiedAt),
    phoneNumber: raw.phoneNumber,
    phoneVerified: raw.phoneVerifiedAt !== null,
    phoneVerifiedAt: time(raw.phoneVerifiedAt),
    status: raw.status,
    statusChangedAt: raw.statusChangedAt.getTime(),
    externalUserId: raw.externalUserId,
    profile: raw.profile,
    customData: raw.customData,
    lastAuthAt: time(raw.lastAuthAt),
    createdAt: raw.userCreatedAt.getTime(),
    updatedAt: raw.userUpdatedAt.getTime(),
    username: raw.username,
    externalAccountId: raw.externalAccountId,
    customAppData: raw.customAppData,
  };
}
