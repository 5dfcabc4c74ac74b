import { type Static, Type } from 'typebox';
import type { AuthMethod } from '../../machines/index.js';

// An app's `login_preferences` (mosaic-backend-api.md §5.2, plus our `direct_otp` and `mfa`,
// keystate-server.md §4) as the admin API accepts them. Closed at every level and bounded: a value
// the flows cannot use is a 400 when it is written, never a 500 on every later send. Every field
// is optional; the flows fill in the contract's defaults (keystate-server.md §5 item 5). Mosaic's
// portal marks a few fields as required (`email.expiresIn`, `email.message.primaryColor`,
// `email_otp.expiresIn`/`maxFailures`); here a default stands in for them.
// Where §5.2 gives no range, the bound chosen is marked "ours".

const closed = { additionalProperties: false } as const;

/** Minutes-and-counts ranges the passcode flows enforce; `otpPolicy` reads the same bounds. */
export const OTP_RANGES = {
  expiresIn: { minimum: 1, maximum: 1440 }, // ours: a day, like the per-request `expires_in`
  maxFailures: { minimum: 1, maximum: 20 },
  lockoutDuration: { minimum: 1, maximum: 1440 }, // ours: at most a day
  codeLength: { minimum: 4, maximum: 8 },
} as const;

/** Magic-link lifetime in minutes; ours: a week, like the per-request `email_expiration`. */
const LINK_EXPIRES_IN = { minimum: 1, maximum: 10_080 } as const;

const minutes = (range: { readonly minimum: number; readonly maximum: number }) => Type.Integer({ ...range });

/** A single line of text: it lands in mail headers and otpauth URIs, where a newline would be an injection. */
const line = (maxLength: number, extra: string = '') => Type.String({ minLength: 1, maxLength, pattern: `^[^\\u0000-\\u001f\\u007f${extra}]+$` });

const Color = Type.String({ pattern: '^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$', description: '#rgb or #rrggbb' });

/** The branding of an app's emails (§5.2 `message`). */
const EmailMessage = Type.Object(
  {
    primaryColor: Type.Optional(Color),
    from: Type.Optional(line(100)), // ours: a display name, not an address
    subject: Type.Optional(line(998)), // RFC 5322's line limit, as in `email_content`
  },
  closed,
);

const passcodeFields = {
  expiresIn: Type.Optional(minutes(OTP_RANGES.expiresIn)),
  maxFailures: Type.Optional(Type.Integer({ ...OTP_RANGES.maxFailures })),
  lockoutDuration: Type.Optional(minutes(OTP_RANGES.lockoutDuration)),
  codeLength: Type.Optional(Type.Integer({ ...OTP_RANGES.codeLength })),
};

const MagicLink = Type.Object({ expiresIn: Type.Optional(minutes(LINK_EXPIRES_IN)), message: Type.Optional(EmailMessage) }, closed);
const EmailOtp = Type.Object({ ...passcodeFields, message: Type.Optional(EmailMessage) }, closed);
const Passcode = Type.Object(passcodeFields, closed);

const Totp = Type.Object(
  {
    algorithm: Type.Optional(Type.Enum(['sha1', 'sha256', 'sha512'])),
    digits: Type.Optional(Type.Enum([6, 8])),
    period: Type.Optional(Type.Integer({ minimum: 15, maximum: 300 })), // ours: seconds around the usual 30
    window: Type.Optional(Type.Integer({ minimum: 0, maximum: 5 })), // the TOTP guide: 0 = strict, up to 5
    // No colon: the otpauth key URI uses it to separate issuer and account in the label.
    issuer: Type.Optional(line(100, ':')),
    maxFailures: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
    lockoutDuration: Type.Optional(minutes(OTP_RANGES.lockoutDuration)),
  },
  closed,
);

const Password = Type.Object(
  {
    resetValidityMinutes: Type.Optional(Type.Integer({ minimum: 5, maximum: 60 })),
    passwordComplexity: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
    passwordMinLength: Type.Optional(Type.Integer({ minimum: 5, maximum: 14 })),
    blockPreviousPasswords: Type.Optional(Type.Integer({ minimum: 0, maximum: 20 })),
    checkHibp: Type.Optional(Type.Boolean()),
    checkDictionary: Type.Optional(Type.Boolean()),
    passwordExpiresIn: Type.Optional(Type.Integer({ minimum: 1, maximum: 1096 })), // days
    ignoreExpiration: Type.Optional(Type.Boolean()),
    maxPasswordFailures: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
    passwordSuspensionDuration: Type.Optional(minutes({ minimum: 1, maximum: 1440 })), // ours
    failuresExpireIn: Type.Optional(minutes({ minimum: 1, maximum: 1440 })), // ours
    tempPasswordValidityHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 8760 })),
    message: Type.Optional(EmailMessage),
    requireMFA: Type.Optional(Type.Boolean()),
    codeLength: Type.Optional(Type.Integer({ ...OTP_RANGES.codeLength })), // ours: as for passcodes
    notifyOnPasswordUpdate: Type.Optional(Type.Boolean()),
  },
  closed,
);

/** The amr method values a session can hold (keystate-server.md §5 item 9); `mfa` itself is not a method. */
const AMR_METHODS = ['eml', 'eotp', 'sms', 'totp', 'otp', 'pwd', 'webauthn'] as const satisfies readonly AuthMethod[];
// Fails to compile when the machines learn a method this list does not name yet.
type MissingMethods = Exclude<AuthMethod, (typeof AMR_METHODS)[number]>;
const everyMethodListed: [MissingMethods] extends [never] ? true : MissingMethods = true;
void everyMethodListed;

/** Our extension (keystate-server.md §6): the policy silent authentication reports against. */
const Mfa = Type.Object(
  {
    required: Type.Boolean(),
    methods: Type.Optional(Type.Array(Type.Enum([...AMR_METHODS]), { uniqueItems: true, maxItems: AMR_METHODS.length })),
  },
  closed,
);

export const LoginPreferencesSchema = Type.Object(
  {
    email: Type.Optional(MagicLink),
    email_otp: Type.Optional(EmailOtp),
    sms: Type.Optional(Passcode),
    direct_otp: Type.Optional(Passcode),
    totp: Type.Optional(Totp),
    password: Type.Optional(Password),
    mfa: Type.Optional(Mfa),
  },
  { ...closed, description: 'Mosaic login preferences (§5.2) plus `direct_otp` and `mfa`; every field optional, unknown fields refused' },
);

export type LoginPreferences = Static<typeof LoginPreferencesSchema>;
