// Sample inputs and events of the two passkey charts (issue 18): a WebAuthn ceremony and a
// registered passkey. Between them, every state and transition of each (the generated walk requires
// it); the simulator offers them as the choices of each state. Typed where they join the others
// (./samples.ts), which imports them.

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const MINUTE = 60_000;
const AT = T0 + MINUTE;
const EXPIRES = T0 + 5 * MINUTE;

const registration = { ceremony: 'registration', webauthnUsername: 'alice', displayName: 'Alice', userHandle: 'aGFuZGxl', requestedAt: T0, expiresAt: EXPIRES, userVerification: 'preferred' } as const;
const authentication = { ...registration, ceremony: 'authentication', displayName: null, userHandle: null } as const;
const concluded = (outcome: string) => ({ type: 'webauthn.concluded', outcome, at: AT });

export const WEBAUTHN_SAMPLES = {
  inputs: [authentication, registration, { ...registration, userVerification: 'required' }, { ...authentication, userVerification: 'required' }],
  events: [
    { type: 'webauthn.submit', at: AT },
    { type: 'webauthn.submit', at: EXPIRES },
    { type: 'webauthn.attested', credentialKey: 'key-1', counter: 0, userVerified: true, aaguid: 'aaguid-1', attachment: 'platform', at: AT },
    { type: 'webauthn.attested', credentialKey: 'key-1', counter: 0, userVerified: false, aaguid: 'aaguid-1', attachment: 'platform', at: AT },
    { type: 'webauthn.asserted', credentialKey: 'key-1', counter: 7, userVerified: true, at: AT },
    { type: 'webauthn.asserted', credentialKey: 'key-1', counter: 7, userVerified: false, at: AT },
    { type: 'webauthn.rejected', reason: 'origin', at: AT },
    { type: 'webauthn.rejected', reason: 'rpId', at: AT },
    { type: 'webauthn.rejected', reason: 'userVerification', at: AT },
    { type: 'webauthn.rejected', reason: 'signature', at: AT },
    { type: 'webauthn.unknownCredential', at: AT },
    { type: 'webauthn.duplicateCredential', at: AT },
    { type: 'webauthn.usernameTaken', at: AT },
    ...['authenticated', 'cloneSuspected', 'userDisabled', 'sessionRefused', 'resourceRefused', 'revoked'].map(concluded),
  ],
};

const passkeyInput = { userId: 'user-1', registeredAt: T0, userStatus: 'Active', counter: 0, webauthnUsername: 'alice' } as const;
const assert = (counter: number, extra: object = {}) => ({
  type: 'passkey.assert',
  counter,
  session: null,
  userStatus: 'Active',
  resource: null,
  allowedResources: ['https://api.example'],
  at: AT,
  ...extra,
});

export const PASSKEY_SAMPLES = {
  inputs: [passkeyInput, { ...passkeyInput, userStatus: 'Disabled' }],
  events: [
    assert(0),
    assert(3),
    assert(4, { resource: 'https://elsewhere.example' }),
    assert(4, { session: 'refused' }),
    assert(4, { userStatus: 'Disabled' }),
    { type: 'passkey.revoke', at: T0 + 2 * MINUTE },
  ],
};
