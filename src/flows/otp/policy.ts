import type { OtpChannel } from '../../../machines/index.js';
import { type LoginPreferences, OTP_RANGES } from '../../model/login-preferences.js';

// An app's passcode settings (Mosaic login preferences §5.2: `sms` and `email_otp`, and our
// `direct_otp`), with the contract's defaults (keystate-server.md §5 item 5). The admin API refuses
// values outside these ranges; the check here stays for rows written before it did.

export interface OtpPolicy {
  readonly expiresInMinutes: number;
  readonly codeLength: number;
  readonly maxFailures: number;
  readonly lockoutMinutes: number;
}

const OTP_DEFAULTS: OtpPolicy = { expiresInMinutes: 5, codeLength: 6, maxFailures: 3, lockoutMinutes: 15 };

const PREFERENCE_KEY = { sms: 'sms', email: 'email_otp', direct: 'direct_otp' } as const satisfies Readonly<Record<OtpChannel, keyof LoginPreferences>>;

function setting(value: unknown, fallback: number, range: { readonly minimum: number; readonly maximum: number }): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= range.minimum && value <= range.maximum ? value : fallback;
}

export function otpPolicy(preferences: LoginPreferences, channel: OtpChannel): OtpPolicy {
  const chosen = preferences[PREFERENCE_KEY[channel]] ?? {};
  return {
    expiresInMinutes: setting(chosen.expiresIn, OTP_DEFAULTS.expiresInMinutes, OTP_RANGES.expiresIn),
    codeLength: setting(chosen.codeLength, OTP_DEFAULTS.codeLength, OTP_RANGES.codeLength),
    maxFailures: setting(chosen.maxFailures, OTP_DEFAULTS.maxFailures, OTP_RANGES.maxFailures),
    lockoutMinutes: setting(chosen.lockoutDuration, OTP_DEFAULTS.lockoutMinutes, OTP_RANGES.lockoutDuration),
  };
}
