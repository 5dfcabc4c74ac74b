import type { UserRecord } from '../repositories/user-repository.js';

// The Mosaic User object (mosaic-backend-api.md §2.12). Times are epoch milliseconds.

/** `password_information`: the user's password for the calling app, as its machine judges it now
 * (src/flows/password/information.ts builds it). */
export interface PasswordInformation {
  readonly expired: boolean;
  readonly temporary: boolean;
  readonly updated_at: number;
}

export interface UserView {
  readonly user_id: string;
  readonly status: string;
  readonly status_changed_at: number;
  readonly created_at: number;
  readonly updated_at: number;
  readonly last_auth?: number;
  readonly email?: { value: string; email_verified: boolean; verified_at?: number };
  readonly phone_number?: { value: string; phone_number_verified: boolean; verified_at?: number };
  readonly username?: string;
  readonly external_user_id?: string;
  readonly external_account_id?: string;
  readonly custom_data?: Readonly<Record<string, unknown>>;
  readonly custom_app_data?: Readonly<Record<string, unknown>>;
  readonly password_information?: PasswordInformation;
  readonly [profileField: string]: unknown;
}

const present = <T>(key: string, value: T | null | undefined): Record<string, T> => (value === null || value === undefined ? {} : { [key]: value });

/** `password`: the user's password for the calling app, when there is one (src/flows/password/information.ts). */
export function toUserView(user: UserRecord, password: PasswordInformation | null = null): UserView {
  return {
    ...user.profile,
    user_id: user.id,
    status: user.status,
    status_changed_at: user.statusChangedAt,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
    ...present('last_auth', user.lastAuthAt),
    ...present('email', user.email === null ? null : { value: user.email, email_verified: user.emailVerified, ...present('verified_at', user.emailVerifiedAt) }),
    ...present('phone_number', user.phoneNumber === null ? null : { value: user.phoneNumber, phone_number_verified: user.phoneVerified, ...present('verified_at', user.phoneVerifiedAt) }),
    ...present('username', user.username),
    ...present('external_user_id', user.externalUserId),
    ...present('external_account_id', user.externalAccountId),
    ...present('custom_data', user.customData),
    ...present('custom_app_data', user.customAppData),
    ...present('password_information', password),
  };
}
