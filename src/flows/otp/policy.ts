import type { OtpChannel } from '../../../machines/index.js';
import type { LoginPreferences } from '../../repositories/app-repository.js';

// An app's passcode settings (Mosaic login preferences §5.2: `sms` and `email_otp`), with the
// contract's defaults (keystate-server.md §5 item 5) and Mosaic's ranges enforced.

export interface OtpPolicy {
  readonly expiresInMinutes: number;
  readonly codeLength: number;
  readonly maxFailures: number;
  readonly lockoutMinutes: number;
}

export const OTP_DEFAULTS: OtpPolicy = { expiresInMinutes: 5, codeLength: 6, maxFailures: 3, lockoutMinutes: 15 };

const PREFERENCE_KEY: Readonly<Record<OtpChannel, string>> = { sms: 'sms', email: 'email_otp', direct: 'direct_otp' };

function setting(value: unknown, fallback: number, min: number, max: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : fallback;
}

export function otpPolicy(preferences: LoginPreferences, channel: OtpChannel): OtpPolicy {
  const raw = (preferences[PREFERENCE_KEY[channel]] ?? {}) as Record<string, unknown>;
  return {
    expiresInMinutes: setting(raw.expiresIn, OTP_DEFAULTS.expiresInMinutes, 1, 1440),
    codeLength: setting(raw.codeLength, OTP_DEFAULTS.codeLength, 4, 8),
    maxFailures: setting(raw.maxFailures, OTP_DEFAULTS.maxFailures, 1, 20),
    lockoutMinutes: setting(raw.lockoutDuration, OTP_DEFAULTS.lockoutMinutes, 1, 1440),
  };
}
