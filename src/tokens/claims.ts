import { fieldOf } from '../fields.js';
import type { ClaimOption, UserClaimsSource } from '../model/claims.js';
// Which claims go into a user's ID and access tokens (mosaic-backend-api.md §4.1, §4.2).
// Defaults are always present; everything else only when the app asks through `claims`.

type Resolver = (user: UserClaimsSource, option: ClaimOption) => unknown;

// Claim names and field names come from the caller: every lookup below goes through a Map or
// Object.hasOwn, so a name like "constructor", "__proto__" or "toString" never reaches an
// inherited property (an object's prototype is not a claim).
const own = (data: unknown, key: string): unknown => (data !== null && typeof data === 'object' && !Array.isArray(data) && Object.hasOwn(data, key) ? fieldOf(data, key) : undefined);

const pickFields = (data: Readonly<Record<string, unknown>> | null, option: ClaimOption): unknown => {
  if (data === null) return undefined;
  const fields = option === null ? undefined : own(option, 'fields');
  if (!Array.isArray(fields)) return data;
  return Object.fromEntries(fields.filter((field): field is string => typeof field === 'string' && Object.hasOwn(data, field)).map((field) => [field, data[field]]));
};
const profileText =
  (path: readonly string[]) =>
  (user: UserClaimsSource): unknown => {
    let value: unknown = user.profile;
    for (const key of path) value = own(value, key);
    return value;
  };

const OPTIONAL_CLAIMS: ReadonlyMap<string, Resolver> = new Map<string, Resolver>(
  Object.entries({
    email: (user) => user.email ?? undefined,
    email_verified: (user) => (user.email === null ? undefined : user.emailVerified),
    phone_number: (user) => user.phoneNumber ?? undefined,
    phone_number_verified: (user) => (user.phoneNumber === null ? undefined : user.phoneVerified),
    username: (user) => user.username ?? undefined,
    fname: profileText(['name', 'first_name']),
    lname: profileText(['name', 'last_name']),
    mname: profileText(['name', 'middle_name']),
    birthday: profileText(['birthday']),
    address: profileText(['address']),
    address_type: profileText(['address', 'type']),
    street_address: profileText(['address', 'street_address']),
    city: profileText(['address', 'city']),
    country: profileText(['address', 'country']),
    picture: profileText(['picture']),
    language: profileText(['language']),
    secondary_emails: profileText(['secondary_emails']),
    secondary_phone_numbers: profileText(['secondary_phone_numbers']),
    external_account_id: (user) => user.externalAccountId ?? undefined,
    external_user_id: (user) => user.externalUserId ?? undefined,
    created_at: (user) => user.createdAt,
    last_auth: (user) => user.lastAuthAt ?? undefined,
    custom_data: (user, option) => pickFields(user.customData, option),
    custom_app_data: (user, option) => pickFields(user.customAppData, option),
    groups: () => [],
    roles: () => [],
    new_user: () => false,
  } satisfies Record<string, Resolver>),
);

/** The requested optional claims that this server knows and the user has; unknown names are ignored
 * (OIDC: a claims request is a wish, not a contract). */
export function requestedClaims(user: UserClaimsSource, request: Readonly<Record<string, ClaimOption>> | undefined): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(request ?? {})) {
    const resolve = OPTIONAL_CLAIMS.get(name);
    if (resolve === undefined) continue;
    const value = resolve(user, option);
    if (value !== undefined) claims[name] = value;
  }
  return claims;
}

/** amr as tokens show it: the session's distinct methods, plus `mfa` once two differ (§5 item 8). */
export function amrOf(methods: readonly string[]): string[] {
  const distinct = [...new Set(methods)];
  return distinct.length >= 2 ? [...distinct, 'mfa'] : distinct;
}
