import { describe, expect, it } from 'vitest';
import { AuthError, ERRORS } from '../../src/errors.js';

// The error table is the contract callers code against: a change here must be a conscious diff.

describe('error codes', () => {
  it('pins every internal code to its HTTP status and wire error_code', () => {
    const table = Object.fromEntries(Object.entries(ERRORS).map(([code, spec]) => [code, [spec.status, 'wireCode' in spec ? spec.wireCode : spec.status]]));
    expect(table).toEqual({
      VALIDATION_FAILED: [400, 400],
      BAD_REQUEST: [400, 400],
      BODY_TOO_LARGE: [413, 413],
      UNSUPPORTED_MEDIA_TYPE: [415, 415],
      REQUEST_TIMEOUT: [408, 408],
      URI_TOO_LONG: [414, 414],
      EXPECTATION_FAILED: [417, 417],
      HEADERS_TOO_LARGE: [431, 431],
      TOKEN_INVALID: [401, 401],
      ADMIN_UNAUTHENTICATED: [401, 401],
      CLIENT_AUTH_FAILED: [400, 400],
      ROUTE_NOT_FOUND: [404, 404],
      APP_NOT_FOUND: [404, 404],
      TENANT_NOT_FOUND: [404, 404],
      USER_NOT_FOUND: [404, 404],
      USER_NOT_ACTIVE: [403, 403],
      USER_EXISTS: [409, 409],
      TENANT_EXISTS: [409, 409],
      SESSION_NOT_FOUND: [400, 400],
      REFRESH_TOKEN_INVALID: [400, 400],
      RESOURCE_NOT_ALLOWED: [400, 400],
      REDIRECT_URI_NOT_ALLOWED: [400, '400'],
      MAGIC_LINK_USER_NOT_FOUND: [404, '404'],
      MAGIC_LINK_USER_NOT_ACTIVE: [403, '403'],
      MAGIC_LINK_USER_EMAIL_MISSING: [404, '404'],
      MAGIC_LINK_CODE_INVALID: [400, '400'],
      MAGIC_LINK_SESSION_NOT_FOUND: [400, '400'],
      REQUEST_ID_MISMATCH: [400, 'system_invalid_input'],
      IDENTIFIER_TYPE_UNSUPPORTED: [400, 'system_invalid_input'],
      OTP_INVALID_INPUT: [400, 'system_invalid_input'],
      OTP_PROVIDER_CONFIGURATION: [400, 'external_provider_configuration_error'],
      OTP_PROVIDER_UNAVAILABLE: [503, 'external_provider_unavailable'],
      OTP_RECIPIENT_REJECTED: [400, 'system_invalid_input'],
      OTP_USER_NOT_FOUND: [404, 'user_not_found'],
      OTP_USER_NOT_ACTIVE: [403, 'user_not_active'],
      OTP_EMAIL_MISSING: [404, 'user_email_address_missing'],
      OTP_PHONE_MISSING: [404, 'user_phone_number_missing'],
      OTP_INVALID_CREDENTIALS: [400, 'auth_invalid_credentials'],
      OTP_EXPIRED: [400, 'auth_otp_passcode_expired'],
      OTP_LOCKED: [403, 'auth_locked'],
      PASSWORD_INVALID_CREDENTIALS: [400, 'auth_invalid_credentials'],
      PASSWORD_LOCKED: [403, 'auth_locked'],
      PASSWORD_TEMPORARY: [403, 'temporary_password'],
      PASSWORD_EXPIRED: [403, 'password_expired'],
      PASSWORD_EXISTS: [409, 409],
      TOTP_EXISTS: [409, 409],
      TOTP_OVERRIDE_UNPROVEN: [403, 403],
      WEBAUTHN_NOT_CONFIGURED: [400, 400],
      WEBAUTHN_SESSION_NOT_FOUND: [400, 400],
      WEBAUTHN_APPROVAL_UNSUPPORTED: [400, 400],
      WEBAUTHN_EXPIRED: [400, 400],
      WEBAUTHN_SESSION_USED: [400, 400],
      WEBAUTHN_ORIGIN_NOT_ALLOWED: [400, 400],
      WEBAUTHN_RP_MISMATCH: [400, 400],
      WEBAUTHN_INVALID_RESULT: [400, 400],
      WEBAUTHN_CREDENTIAL_NOT_FOUND: [400, 400],
      WEBAUTHN_CREDENTIAL_EXISTS: [409, 409],
      WEBAUTHN_USERNAME_TAKEN: [409, 409],
      WEBAUTHN_CLONE_SUSPECTED: [403, 403],
      FLOW_NOT_FOUND: [404, 404],
      MACHINE_NOT_FOUND: [404, 404],
      FLOW_CONFLICT: [409, 409],
      FLOW_VERSION_RETIRED: [410, 410],
      JOURNEY_STEP_OUT_OF_TURN: [409, 409],
      JOURNEY_OPTION_NOT_OFFERED: [400, 400],
      JOURNEY_PROOF_FOREIGN: [400, 400],
      JOURNEY_USER_MISMATCH: [400, 400],
      JOURNEY_COMPLETED: [409, 409],
      JOURNEY_EXPIRED: [410, 410],
      JOURNEY_DENIED: [403, 403],
      DELIVERY_UNAVAILABLE: [503, 503],
      DATABASE_BUSY: [503, 503],
      DATABASE_UNAVAILABLE: [503, 503],
      SHUTTING_DOWN: [503, 503],
      PASSWORD_HASHING_BUSY: [503, 503],
      RATE_LIMITED: [429, 429],
      RATE_LIMIT_UNAVAILABLE: [503, 503],
      MAGIC_LINK_PROVIDER_CONFIGURATION: [400, 'external_provider_configuration_error'],
      INTERNAL: [500, 500],
    });
  });

  it('renders Mosaic bodies: message + error_code, validation messages as a list, extras kept', () => {
    expect(new AuthError('SESSION_NOT_FOUND').toBody()).toEqual({ message: 'Session not found', error_code: 400 });
    expect(new AuthError('MAGIC_LINK_CODE_INVALID').toBody()).toEqual({ message: 'Invalid magic link code', error_code: '400' });
    expect(new AuthError('VALIDATION_FAILED', { message: ['a', 'b'] }).toBody()).toEqual({ message: ['a', 'b'], error_code: 400 });
    expect(new AuthError('CLIENT_AUTH_FAILED', { extraBody: { error: 'invalid_client' } }).toBody()).toEqual({ error: 'invalid_client', message: 'Bad request', error_code: 400 });
    expect(new AuthError('INTERNAL').toBody()).toEqual({ message: 'Something went wrong - Internal server error', error_code: 500 });
    expect(new AuthError('DATABASE_UNAVAILABLE').toBody()).toEqual({ message: 'The database is unavailable; retry shortly', error_code: 503 });
  });
});
