// What a user's tokens are made of, as every floor shares it: the claims a caller may ask for, the
// user facts a token may disclose, and the grant a token set is minted from (kept with a refresh
// family, so refreshes mint from it again). Types only: the repositories parse them at their edge
// (refresh-family-repository.ts), the token service signs them (src/tokens/).

/** `{ id_token: { email: null, custom_data: { fields: ['a'] } }, access_token: {…} }` */
export interface ClaimsRequest {
  readonly id_token?: Readonly<Record<string, ClaimOption>>;
  readonly access_token?: Readonly<Record<string, ClaimOption>>;
  readonly userinfo?: Readonly<Record<string, ClaimOption>>;
}
export type ClaimOption = null | { readonly fields?: readonly string[]; readonly [key: string]: unknown };

/** The user facts a token may disclose. */
export interface UserClaimsSource {
  readonly id: string;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly phoneNumber: string | null;
  readonly phoneVerified: boolean;
  readonly username: string | null;
  readonly profile: Readonly<Record<string, unknown>>;
  readonly customData: Readonly<Record<string, unknown>> | null;
  readonly customAppData: Readonly<Record<string, unknown>> | null;
  readonly externalAccountId: string | null;
  readonly externalUserId: string | null;
  readonly createdAt: number;
  readonly lastAuthAt: number | null;
}

/** Everything a user token set is minted from; stored with refresh tokens so refreshes keep it. */
export interface UserGrant {
  readonly methods: readonly string[];
  /** ms since epoch of the latest interactive authentication. */
  readonly authTime: number;
  readonly resource: string | null;
  readonly claims: ClaimsRequest | null;
  /** Transaction details the user approved with this authentication (OTP `approval_data`). */
  readonly approvalData?: Readonly<Record<string, string | number | boolean>> | null;
}
