// Every error a caller can see is declared here exactly once: a stable internal code, its HTTP
// status and the Mosaic wire body. Callers depend on the code; the text may change freely.
// test/http/error-codes.test.ts pins this table (changing it is a conscious, reviewed diff).

/** The `error_code` a body carries: Mosaic uses a number on most endpoints, a quoted status on the
 * magic-link endpoints and symbolic strings on the OTP endpoints (mosaic-backend-api.md §1.4). */
type WireCode = number | string;

interface ErrorSpec {
  readonly status: number;
  readonly message: string;
  /** Defaults to the HTTP status as a number. */
  readonly wireCode?: WireCode;
}

export const ERRORS = {
  VALIDATION_FAILED: { status: 400, message: 'Bad request' },
  BAD_REQUEST: { status: 400, message: 'Bad request' },
  BODY_TOO_LARGE: { status: 413, message: 'Request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported media type' },
  // Transport (src/http/error-handler.ts): malformed HTTP, a client too slow to send its request.
  REQUEST_TIMEOUT: { status: 408, message: 'The request did not arrive in time' },
  URI_TOO_LONG: { status: 414, message: 'A path segment is too long' },
  EXPECTATION_FAILED: { status: 417, message: 'Only "Expect: 100-continue" is supported' },
  HEADERS_TOO_LARGE: { status: 431, message: 'Request headers are too large' },
  TOKEN_INVALID: { status: 401, message: 'Invalid token' },
  ADMIN_UNAUTHENTICATED: { status: 401, message: 'Invalid admin token' },
  CLIENT_AUTH_FAILED: { status: 400, message: 'Bad request' },
  ROUTE_NOT_FOUND: { status: 404, message: 'Not found' },
  APP_NOT_FOUND: { status: 404, message: 'App not found' },
  TENANT_NOT_FOUND: { status: 404, message: 'Tenant not found' },
  USER_NOT_FOUND: { status: 404, message: 'User not found' },
  USER_NOT_ACTIVE: { status: 403, message: 'User is not active' },
  USER_EXISTS: { status: 409, message: 'A user with this identifier already exists' },
  TENANT_EXISTS: { status: 409, message: 'A tenant with this name already exists' },
  SESSION_NOT_FOUND: { status: 400, message: 'Session not found' },
  REFRESH_TOKEN_INVALID: { status: 400, message: 'Invalid refresh token' },
  RESOURCE_NOT_ALLOWED: { status: 400, message: 'resource is not one of the resources configured for this app' },
  // Magic link (§2.1, §2.2): the documented examples quote the status as a string.
  REDIRECT_URI_NOT_ALLOWED: {
    status: 400,
    message: 'redirect_uri is not one of the allowed redirect URIs configured for this app',
    wireCode: '400',
  },
  MAGIC_LINK_USER_NOT_FOUND: { status: 404, message: 'User not found', wireCode: '404' },
  MAGIC_LINK_USER_NOT_ACTIVE: { status: 403, message: 'User is not active', wireCode: '403' },
  MAGIC_LINK_USER_EMAIL_MISSING: { status: 404, message: 'User has no email address', wireCode: '404' },
  MAGIC_LINK_CODE_INVALID: { status: 400, message: 'Invalid magic link code', wireCode: '400' },
  MAGIC_LINK_SESSION_NOT_FOUND: { status: 400, message: 'Session not found', wireCode: '400' },
  REQUEST_ID_MISMATCH: { status: 400, message: 'request_id is missing or does not match', wireCode: 'system_invalid_input' },
  IDENTIFIER_TYPE_UNSUPPORTED: { status: 400, message: 'Unsupported identifier_type', wireCode: 'system_invalid_input' },
  // One-time passcodes (§2.3, §2.4): symbolic error codes.
  OTP_INVALID_INPUT: { status: 400, message: 'Invalid input', wireCode: 'system_invalid_input' },
  OTP_PROVIDER_CONFIGURATION: { status: 400, message: 'The message provider is not configured correctly', wireCode: 'external_provider_configuration_error' },
  OTP_PROVIDER_UNAVAILABLE: { status: 503, message: 'The message provider is unavailable; try again later', wireCode: 'external_provider_unavailable' },
  OTP_RECIPIENT_REJECTED: { status: 400, message: 'The message provider refused the recipient', wireCode: 'system_invalid_input' },
  OTP_USER_NOT_FOUND: { status: 404, message: 'User not found', wireCode: 'user_not_found' },
  OTP_USER_NOT_ACTIVE: { status: 403, message: 'User is not active', wireCode: 'user_not_active' },
  OTP_EMAIL_MISSING: { status: 404, message: 'User has no email address', wireCode: 'user_email_address_missing' },
  OTP_PHONE_MISSING: { status: 404, message: 'User has no phone number', wireCode: 'user_phone_number_missing' },
  OTP_INVALID_CREDENTIALS: { status: 400, message: 'Invalid credentials', wireCode: 'auth_invalid_credentials' },
  OTP_EXPIRED: { status: 400, message: 'Passcode expired', wireCode: 'auth_otp_passcode_expired' },
  OTP_LOCKED: { status: 403, message: 'Too many failed attempts; try again later', wireCode: 'auth_locked' },
  // Passwords (§2.10): undocumented there; these follow §6 item 23 and the passcodes' codes.
  PASSWORD_INVALID_CREDENTIALS: { status: 400, message: 'Invalid credentials', wireCode: 'auth_invalid_credentials' },
  PASSWORD_LOCKED: { status: 403, message: 'Too many failed attempts; try again later', wireCode: 'auth_locked' },
  PASSWORD_TEMPORARY: { status: 403, message: 'The password is temporary and must be replaced', wireCode: 'temporary_password' },
  PASSWORD_EXPIRED: { status: 403, message: 'The password has expired and must be replaced', wireCode: 'password_expired' },
  PASSWORD_EXISTS: { status: 409, message: 'A password is already set for this user; replace it with PUT' },
  TOTP_EXISTS: { status: 409, message: 'An authenticator is already registered; revoke it or register with allow_override' },
  // allow_override, or revoking one's own, with a token whose session did not log in with the authenticator recently.
  TOTP_OVERRIDE_UNPROVEN: {
    status: 403,
    message: 'Replacing or revoking the registered authenticator needs a recent login with it in this session; log in with its code first, or have the app revoke it',
  },
  // Passkeys (WebAuthn, §2.14): Mosaic documents no error codes for these paths, so the status as a
  // number, as on most endpoints. Each is the answer of a named state of machines/webauthn.machine.ts
  // or machines/passkey.machine.ts.
  // No relying party declared for the app (admin API `webauthn`): passkeys are off for it.
  WEBAUTHN_NOT_CONFIGURED: { status: 400, message: 'Passkeys are not configured for this app (no WebAuthn relying party)' },
  // The result answers no ceremony this app started (its challenge is unknown, or another app's).
  WEBAUTHN_SESSION_NOT_FOUND: { status: 400, message: 'WebAuthn session not found; start a new one' },
  // approval_data (transaction signing) is not carried into passkey ceremonies yet: refused, never ignored.
  WEBAUTHN_APPROVAL_UNSUPPORTED: { status: 400, message: 'approval_data is not supported with passkeys' },
  WEBAUTHN_EXPIRED: { status: 400, message: 'The WebAuthn session has expired; start a new one' },
  WEBAUTHN_SESSION_USED: { status: 400, message: 'The WebAuthn session was already used; start a new one' },
  WEBAUTHN_ORIGIN_NOT_ALLOWED: { status: 400, message: 'The origin of the WebAuthn result is not one of the origins configured for this app' },
  WEBAUTHN_RP_MISMATCH: { status: 400, message: 'The WebAuthn result was made for another relying party' },
  // details.reason says which rule a malformed result broke (src/flows/webauthn/encoded-result.ts);
  // the value itself is never echoed.
  WEBAUTHN_INVALID_RESULT: { status: 400, message: 'webauthn_encoded_result is not a valid WebAuthn result' },
  WEBAUTHN_CREDENTIAL_NOT_FOUND: { status: 400, message: 'Passkey not found' },
  WEBAUTHN_CREDENTIAL_EXISTS: { status: 409, message: 'This passkey is already registered' },
  WEBAUTHN_USERNAME_TAKEN: { status: 409, message: 'This WebAuthn username belongs to another user' },
  WEBAUTHN_CLONE_SUSPECTED: { status: 403, message: 'The passkey was refused: its signature counter went backwards (possible clone); revoke it and register a new one' },
  FLOW_NOT_FOUND: { status: 404, message: 'Flow not found' },
  MACHINE_NOT_FOUND: { status: 404, message: 'Machine not found' },
  FLOW_CONFLICT: { status: 409, message: 'The flow was changed by a concurrent request; retry' },
  FLOW_VERSION_RETIRED: { status: 410, message: 'This flow was started by a retired version of its machine' },
  // Journeys (issue 19 §2.2): each the answer of a named state of a compiled journey (machines/journey/compile.ts).
  JOURNEY_STEP_OUT_OF_TURN: { status: 409, message: 'This is not the step the journey is at' },
  JOURNEY_OPTION_NOT_OFFERED: { status: 400, message: 'This factor is not offered at this step of the journey' },
  JOURNEY_PROOF_FOREIGN: { status: 400, message: 'This proof was issued for another journey' },
  JOURNEY_USER_MISMATCH: { status: 400, message: 'This proof belongs to another user' },
  JOURNEY_COMPLETED: { status: 409, message: 'The journey is already completed' },
  JOURNEY_EXPIRED: { status: 410, message: 'The journey has expired; start a new one' },
  JOURNEY_DENIED: { status: 403, message: 'The journey ended without logging in' },
  DELIVERY_UNAVAILABLE: { status: 503, message: 'The message could not be delivered; try again later' },
  // Too many requests waited for the database at once (e.g. a burst on one user's row): turned away
  // before anything was written.
  DATABASE_BUSY: { status: 503, message: 'The server is busy; retry shortly' },
  // The database cannot answer (unreachable, restarting, read-only, full, too slow): the request
  // was refused with nothing written, and Retry-After says when to try again.
  DATABASE_UNAVAILABLE: { status: 503, message: 'The database is unavailable; retry shortly' },
  SHUTTING_DOWN: { status: 503, message: 'The server is shutting down; retry' },
  // More password logins (or password changes) at once than Argon2 may work on and wait for:
  // turned away before anything was looked up or counted (src/credentials/argon2-gate.ts).
  PASSWORD_HASHING_BUSY: { status: 503, message: 'Too many password checks at once; retry shortly' },
  RATE_LIMITED: { status: 429, message: 'Too many requests' },
  RATE_LIMIT_UNAVAILABLE: { status: 503, message: 'Rate limiting is unavailable; try again later' },
  MAGIC_LINK_PROVIDER_CONFIGURATION: { status: 400, message: 'The email provider is not configured', wireCode: 'external_provider_configuration_error' },
  INTERNAL: { status: 500, message: 'Something went wrong - Internal server error' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export class AuthError extends Error {
  readonly code: ErrorCode;
  /** Non-secret facts for logs and callers (never a code, token or secret). */
  readonly details: Readonly<Record<string, unknown>>;
  /** Replaces the default message in the body (validation errors carry a list). */
  readonly wireMessage: string | readonly string[] | undefined;
  /** Extra top-level body fields, e.g. RFC 6749 `error` on the token endpoint. */
  readonly extraBody: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    options: {
      message?: string | readonly string[];
      details?: Record<string, unknown>;
      extraBody?: Record<string, unknown>;
      cause?: unknown;
    } = {},
  ) {
    const text = options.message ?? ERRORS[code].message;
    super(Array.isArray(text) ? text.join('; ') : String(text), { cause: options.cause });
    this.name = 'AuthError';
    this.code = code;
    this.details = options.details ?? {};
    this.wireMessage = options.message;
    this.extraBody = options.extraBody ?? {};
  }

  get status(): number {
    return ERRORS[this.code].status;
  }

  /** The JSON body the caller receives. */
  toBody(): Record<string, unknown> {
    const spec: ErrorSpec = ERRORS[this.code];
    return {
      ...this.extraBody,
      message: this.wireMessage ?? spec.message,
      error_code: spec.wireCode ?? spec.status,
    };
  }
}
