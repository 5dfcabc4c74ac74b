// What each outcome of a machine answers over HTTP, declared beside the machine: the use case
// looks the answer up by the state the machine reached; no service switches over state names.

/** The refusals machines may answer with: codes of the error table (src/errors.ts). Listed here so
 * machines import nothing of src/; src/engine/answer.ts turns each into its AuthError, so a name
 * missing from that table fails to compile there. */
export type Refusal =
  | 'DELIVERY_UNAVAILABLE'
  | 'INTERNAL'
  | 'JOURNEY_COMPLETED'
  | 'JOURNEY_DENIED'
  | 'JOURNEY_EXPIRED'
  | 'JOURNEY_OPTION_NOT_OFFERED'
  | 'JOURNEY_PROOF_FOREIGN'
  | 'JOURNEY_STEP_OUT_OF_TURN'
  | 'JOURNEY_USER_MISMATCH'
  | 'MAGIC_LINK_CODE_INVALID'
  | 'MAGIC_LINK_PROVIDER_CONFIGURATION'
  | 'OTP_EXPIRED'
  | 'OTP_INVALID_CREDENTIALS'
  | 'OTP_LOCKED'
  | 'OTP_PROVIDER_CONFIGURATION'
  | 'OTP_PROVIDER_UNAVAILABLE'
  | 'OTP_RECIPIENT_REJECTED'
  | 'OTP_USER_NOT_ACTIVE'
  | 'PASSWORD_EXPIRED'
  | 'PASSWORD_INVALID_CREDENTIALS'
  | 'PASSWORD_LOCKED'
  | 'PASSWORD_TEMPORARY'
  | 'REFRESH_TOKEN_INVALID'
  | 'REQUEST_ID_MISMATCH'
  | 'RESOURCE_NOT_ALLOWED'
  | 'SESSION_NOT_FOUND'
  | 'USER_NOT_ACTIVE'
  | 'WEBAUTHN_CLONE_SUSPECTED'
  | 'WEBAUTHN_CREDENTIAL_EXISTS'
  | 'WEBAUTHN_CREDENTIAL_NOT_FOUND'
  | 'WEBAUTHN_EXPIRED'
  | 'WEBAUTHN_INVALID_RESULT'
  | 'WEBAUTHN_ORIGIN_NOT_ALLOWED'
  | 'WEBAUTHN_RP_MISMATCH'
  | 'WEBAUTHN_SESSION_USED'
  | 'WEBAUTHN_USERNAME_TAKEN';

export type Answer = { readonly kind: 'ok' } | { readonly kind: 'refused'; readonly error: Refusal; readonly details?: Readonly<Record<string, unknown>> };

/** One answer per leaf state (a function of the context where the answer depends on a fact). */
export type Answers<TState extends string, TContext> = { readonly [S in TState]: Answer | ((context: TContext) => Answer) };

export const ok: Answer = { kind: 'ok' };
export const refused = (error: Refusal, details?: Readonly<Record<string, unknown>>): Answer => ({ kind: 'refused', error, ...(details === undefined ? {} : { details }) });
