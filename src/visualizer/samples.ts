import { PASSKEY_SAMPLES, WEBAUTHN_SAMPLES } from './passkey-samples.js';

// Sample inputs and events for every machine: enough that, between them, every state and every
// transition of each chart can be reached (test/machines/generated.test.ts walks them and requires
// 100 %). The simulator offers them as the choices of each state. Times are fixed instants, so a
// sample event "late enough to find the code expired" is one of the choices.

export interface SampleEvent {
  readonly type: string;
  readonly at: number;
  readonly [field: string]: unknown;
}

export interface MachineSamples {
  /** The first is the simulator's; the others reach the states a different start leads to. */
  readonly inputs: readonly object[];
  readonly events: readonly SampleEvent[];
}

export const SAMPLE_T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const T0 = SAMPLE_T0;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const passwordPolicy = { maxFailures: 3, suspensionMs: 15 * MINUTE, failuresExpireMs: 15 * MINUTE, expiresAfterMs: 90 * DAY, temporaryValidityMs: null };

const otpInput = {
  userId: 'user-1',
  channel: 'sms',
  subject: 'email:a@example.com',
  verifies: 'phone',
  expiresAt: T0 + 5 * MINUTE,
  codeLength: 6,
  maxFailures: 3,
  lockoutMs: 15 * MINUTE,
  requestId: 'req-1',
  approvalData: null,
  requestedAt: T0,
  lockedOutUntil: null,
  userStatus: 'Active',
  replaced: null,
  retryDelaysMs: [2_000, 10_000],
};
const ASKED = { userStatus: 'Active', resource: null, allowedResources: ['https://api.example'] } as const;
const NO_RESOURCE = { resource: null, allowedResources: ['https://api.example'] } as const;
const submit = (at: number, extra: object = {}): SampleEvent => ({
  type: 'code.submit',
  at,
  subject: 'email:a@example.com',
  requestId: 'req-1',
  lockedOutUntil: null,
  session: null,
  ...ASKED,
  ...extra,
});

export const MACHINE_SAMPLES: ReadonlyMap<string, MachineSamples> = new Map<string, MachineSamples>([
  [
    'passcode-lock',
    {
      inputs: [{}],
      events: [
        { type: 'lock', at: T0, until: T0 + 15 * MINUTE },
        { type: 'lock', at: T0 + 16 * MINUTE, until: T0 + 31 * MINUTE },
        // A lock already over when asked for locks nothing.
        { type: 'lock', at: T0 + 20 * MINUTE, until: T0 + 20 * MINUTE },
      ],
    },
  ],
  [
    'otp',
    {
      inputs: [
        otpInput,
        { ...otpInput, lockedOutUntil: T0 + MINUTE },
        { ...otpInput, replaced: { attempts: 3, expiresAt: T0 + MINUTE } },
        { ...otpInput, replaced: { attempts: 2, expiresAt: T0 + MINUTE } },
        { ...otpInput, userStatus: 'Disabled' },
        { ...otpInput, channel: 'direct', verifies: null },
        { ...otpInput, retryDelaysMs: [] },
      ],
      events: [
        { type: 'challenge.delivered', at: T0 + 1 },
        { type: 'challenge.undeliverable', reason: 'sms_unavailable', fault: 'outage', at: T0 + 1 },
        { type: 'challenge.undeliverable', reason: 'sms_invalid_number', fault: 'recipient', at: T0 + 1 },
        { type: 'delivery.due', at: T0 + 2 },
        { type: 'delivery.due', at: T0 + 30 * MINUTE },
        { type: 'challenge.superseded', at: T0 + 2 },
        submit(T0 + MINUTE),
        submit(T0 + MINUTE, { requestId: 'other' }),
        submit(T0 + MINUTE, { subject: 'phone_number:+14155550100' }),
        submit(T0 + MINUTE, { lockedOutUntil: T0 + 10 * MINUTE }),
        submit(T0 + MINUTE, { session: 'refused' }),
        submit(T0 + MINUTE, { userStatus: 'Disabled' }),
        submit(T0 + MINUTE, { resource: 'https://elsewhere.example' }),
        submit(T0 + 10 * MINUTE),
        submit(T0 + 30 * MINUTE),
        { type: 'code.accepted', at: T0 + MINUTE },
        { type: 'code.rejected', at: T0 + MINUTE },
      ],
    },
  ],
  [
    'magic-link',
    {
      inputs: [
        {
          userId: 'user-1',
          redirectUri: 'https://app.example/verify',
          state: null,
          channel: 'email',
          expiresAt: T0 + 15 * MINUTE,
          requestId: 'req-1',
          userStatus: 'Active',
          retryDelaysMs: [2_000, 10_000],
        },
        {
          userId: 'user-1',
          redirectUri: 'https://app.example/verify',
          state: null,
          channel: 'direct',
          expiresAt: T0 + 15 * MINUTE,
          requestId: 'req-1',
          userStatus: 'Active',
          retryDelaysMs: [2_000, 10_000],
        },
        { userId: 'user-1', redirectUri: 'https://app.example/verify', state: null, channel: 'email', expiresAt: T0 + 15 * MINUTE, requestId: 'req-1', userStatus: 'Active', retryDelaysMs: [] },
        { userId: 'user-1', redirectUri: 'https://app.example/verify', state: null, channel: 'email', expiresAt: T0 + 15 * MINUTE, requestId: 'req-1', userStatus: 'Disabled', retryDelaysMs: [] },
      ],
      events: [
        { type: 'challenge.delivered', at: T0 + 1 },
        { type: 'challenge.undeliverable', reason: 'smtp_unreachable', fault: 'configuration', at: T0 + 1 },
        { type: 'challenge.undeliverable', reason: 'smtp_unavailable', fault: 'outage', at: T0 + 1 },
        { type: 'delivery.due', at: T0 + 2 },
        { type: 'delivery.due', at: T0 + 30 * MINUTE },
        { type: 'challenge.superseded', at: T0 + 2 },
        { type: 'code.submit', requestId: 'req-1', session: null, ...ASKED, at: T0 + MINUTE },
        { type: 'code.submit', requestId: null, session: null, ...ASKED, at: T0 + MINUTE },
        { type: 'code.submit', requestId: 'req-1', session: 'refused', ...ASKED, at: T0 + MINUTE },
        { type: 'code.submit', requestId: 'req-1', session: null, ...ASKED, userStatus: 'Disabled', at: T0 + MINUTE },
        { type: 'code.submit', requestId: 'req-1', session: null, ...ASKED, resource: 'https://elsewhere.example', at: T0 + MINUTE },
        { type: 'code.submit', requestId: 'req-1', session: null, ...ASKED, at: T0 + 20 * MINUTE },
      ],
    },
  ],
  [
    'session',
    {
      inputs: [{ tenantId: 'tenant-1', userId: 'user-1', method: 'eml', at: T0, ttlMs: 14 * DAY }],
      events: [
        { type: 'session.authenticate', userId: 'user-1', method: 'sms', at: T0 + DAY },
        { type: 'session.authenticate', userId: 'user-2', method: 'sms', at: T0 + DAY },
        { type: 'session.authenticate', userId: 'user-1', method: 'sms', at: T0 + 30 * DAY },
        { type: 'session.silentAuthenticate', mfa: { required: true }, userStatus: 'Active', ...NO_RESOURCE, at: T0 + DAY },
        { type: 'session.silentAuthenticate', mfa: null, userStatus: 'Disabled', ...NO_RESOURCE, at: T0 + DAY },
        { type: 'session.silentAuthenticate', mfa: null, userStatus: 'Active', ...NO_RESOURCE, resource: 'https://elsewhere.example', at: T0 + DAY },
        { type: 'session.silentAuthenticate', mfa: null, userStatus: 'Active', ...NO_RESOURCE, at: T0 + 30 * DAY },
        { type: 'session.check', userId: 'user-1', recent: null, at: T0 + DAY },
        { type: 'session.check', userId: 'user-2', recent: null, at: T0 + DAY },
        { type: 'session.check', userId: 'user-1', recent: { method: 'totp', withinMs: 10 * MINUTE }, at: T0 + DAY },
        { type: 'session.check', userId: 'user-1', recent: null, at: T0 + 30 * DAY },
        { type: 'session.logout', at: T0 + 2 * DAY },
        { type: 'session.logout', at: T0 + 40 * DAY },
        { type: 'session.revoke', at: T0 + 3 * DAY },
      ],
    },
  ],
  [
    'refresh-family',
    {
      inputs: [{ expiresAt: T0 + 14 * DAY }],
      events: [
        { type: 'token.presented', token: 'current', sessionEnded: false, at: T0 + DAY },
        { type: 'token.presented', token: 'rotatedOut', sessionEnded: false, at: T0 + DAY },
        { type: 'token.presented', token: 'current', sessionEnded: true, at: T0 + DAY },
        { type: 'token.presented', token: 'current', sessionEnded: false, at: T0 + 20 * DAY },
      ],
    },
  ],
  [
    'password',
    {
      inputs: [
        { userId: 'user-1', setAt: T0, temporary: false },
        { userId: 'user-1', setAt: T0, temporary: true },
      ],
      events: [
        { type: 'password.submit', session: null, ...NO_RESOURCE, policy: passwordPolicy, at: T0 + MINUTE },
        { type: 'password.submit', session: null, ...NO_RESOURCE, resource: 'https://elsewhere.example', policy: passwordPolicy, at: T0 + MINUTE },
        { type: 'password.submit', session: 'refused', ...NO_RESOURCE, policy: passwordPolicy, at: T0 + MINUTE },
        { type: 'password.submit', session: null, ...NO_RESOURCE, policy: { ...passwordPolicy, maxFailures: 1 }, at: T0 + MINUTE },
        { type: 'password.submit', session: null, ...NO_RESOURCE, policy: passwordPolicy, at: T0 + 20 * MINUTE },
        { type: 'password.submit', session: null, ...NO_RESOURCE, policy: { ...passwordPolicy, temporaryValidityMs: 60 * MINUTE }, at: T0 + 2 * MINUTE },
        { type: 'password.matched', generation: 1, attempt: 1, rehash: false, userStatus: 'Active', at: T0 + MINUTE },
        // Verdicts of logins long after the password was set: it has expired, or (temporary) lapsed.
        { type: 'password.matched', generation: 1, attempt: 1, rehash: false, userStatus: 'Active', at: T0 + 100 * DAY },
        { type: 'password.matched', generation: 1, attempt: 1, rehash: false, userStatus: 'Active', at: T0 + 2 * 60 * MINUTE },
        { type: 'password.matched', generation: 1, attempt: 1, rehash: true, userStatus: 'Active', at: T0 + MINUTE },
        { type: 'password.matched', generation: 1, attempt: 1, rehash: false, userStatus: 'Disabled', at: T0 + MINUTE },
        { type: 'password.mismatched', generation: 1, attempt: 1, at: T0 + MINUTE },
        // A verdict about the password a replacement set aside.
        { type: 'password.matched', generation: 0, attempt: 1, rehash: false, userStatus: 'Active', at: T0 + MINUTE },
        { type: 'password.mismatched', generation: 0, attempt: 1, at: T0 + MINUTE },
        { type: 'password.replace', temporary: false, at: T0 + 2 * MINUTE },
      ],
    },
  ],
  [
    'totp',
    {
      inputs: [
        { userId: 'user-1', registeredAt: T0, userStatus: 'Active' },
        { userId: 'user-1', registeredAt: T0, userStatus: 'Disabled' },
      ],
      events: [
        { type: 'totp.submit', session: null, ...NO_RESOURCE, userStatus: 'Active', policy: { maxFailures: 3, lockoutMs: 15 * MINUTE, window: 1 }, at: T0 + MINUTE },
        {
          type: 'totp.submit',
          session: null,
          ...NO_RESOURCE,
          userStatus: 'Active',
          resource: 'https://elsewhere.example',
          policy: { maxFailures: 3, lockoutMs: 15 * MINUTE, window: 1 },
          at: T0 + MINUTE,
        },
        { type: 'totp.submit', session: null, ...NO_RESOURCE, userStatus: 'Disabled', policy: { maxFailures: 3, lockoutMs: 15 * MINUTE, window: 1 }, at: T0 + MINUTE },
        { type: 'totp.submit', session: 'refused', ...NO_RESOURCE, userStatus: 'Active', policy: { maxFailures: 3, lockoutMs: 15 * MINUTE, window: 1 }, at: T0 + MINUTE },
        { type: 'totp.submit', session: null, ...NO_RESOURCE, userStatus: 'Active', policy: { maxFailures: 1, lockoutMs: 15 * MINUTE, window: 1 }, at: T0 + MINUTE },
        { type: 'totp.submit', session: null, ...NO_RESOURCE, userStatus: 'Active', policy: { maxFailures: 3, lockoutMs: 15 * MINUTE, window: 1 }, at: T0 + 20 * MINUTE },
        { type: 'totp.submit', session: null, ...NO_RESOURCE, userStatus: 'Disabled', policy: { maxFailures: 3, lockoutMs: 15 * MINUTE, window: 1 }, at: T0 + 20 * MINUTE },
        { type: 'totp.matched', step: 100, at: T0 + MINUTE },
        { type: 'totp.matched', step: 50, at: T0 + MINUTE },
        { type: 'totp.mismatched', repeated: false, at: T0 + MINUTE },
        // The same wrong code again, within its time step.
        { type: 'totp.mismatched', repeated: true, at: T0 + MINUTE },
        { type: 'totp.unlock', at: T0 + 2 * MINUTE },
        { type: 'totp.revoke', at: T0 + 2 * MINUTE },
      ],
    },
  ],
  ['webauthn', WEBAUTHN_SAMPLES],
  ['passkey', PASSKEY_SAMPLES],
]);
