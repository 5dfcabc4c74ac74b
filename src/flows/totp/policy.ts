import type { TotpPolicy } from '../../../machines/totp.context.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import type { TotpParams } from './codes.js';

// An app's authenticator settings (Mosaic login preferences §5.2, `totp`), with §5.2's defaults, in
// one place: what a registration fixes in the credential, and what a login is judged under.

/** Fixed in a credential when it is registered (the authenticator app holds them too). */
export function totpRegistration(app: AppRecord): TotpParams & { readonly issuer: string } {
  const totp = app.loginPreferences.totp;
  return { algorithm: totp?.algorithm ?? 'sha1', digits: totp?.digits ?? 6, period: totp?.period ?? 30, issuer: totp?.issuer ?? app.name };
}

/** Read at every login: a change applies to authenticators already registered. */
export function totpLoginPolicy(app: AppRecord): TotpPolicy {
  const totp = app.loginPreferences.totp;
  return { maxFailures: totp?.maxFailures ?? 5, lockoutMs: (totp?.lockoutDuration ?? 15) * 60_000, window: totp?.window ?? 1 };
}
