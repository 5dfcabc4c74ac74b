import type { PasswordPolicy } from '../../../machines/password.context.js';
import type { AppRecord } from '../../repositories/app-repository.js';

// An app's password settings (Mosaic login preferences §5.2, `password`), with §5.2's defaults, in
// one place: what a login is judged under, and what a new password must satisfy.
//
// §5.2 gives `passwordComplexity` a range (1–5, default 5) and no meaning. Ours, documented in the
// README: level N asks for characters of at least min(N, 4) of four kinds (lowercase, uppercase,
// digits, anything else); level 5 asks for all four and that the password not contain the user's
// username or the part of their email before the "@".

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Read at every login: a change applies to passwords already set. */
export function passwordLoginPolicy(app: AppRecord): PasswordPolicy {
  const password = app.loginPreferences.password;
  return {
    maxFailures: password?.maxPasswordFailures ?? 5,
    suspensionMs: (password?.passwordSuspensionDuration ?? 15) * MINUTE,
    failuresExpireMs: (password?.failuresExpireIn ?? 15) * MINUTE,
    expiresAfterMs: password?.ignoreExpiration === true ? null : (password?.passwordExpiresIn ?? 90) * DAY,
    temporaryValidityMs: password?.tempPasswordValidityHours === undefined ? null : password.tempPasswordValidityHours * HOUR,
  };
}

const KINDS: readonly { readonly name: string; readonly test: RegExp }[] = [
  { name: 'lowercase letters', test: /\p{Ll}/u },
  { name: 'uppercase letters', test: /\p{Lu}/u },
  { name: 'digits', test: /\p{Nd}/u },
  { name: 'symbols', test: /[^\p{Ll}\p{Lu}\p{Nd}]/u },
];

/** Parts of a user's identity a level-5 password may not contain (shorter ones are too common to refuse). */
const MIN_IDENTITY_PART = 3;

/** What is wrong with `password` under the app's rules, as Mosaic's 400 messages (empty: nothing). */
export function passwordProblems(app: AppRecord, password: string, identity: { readonly username: string | null; readonly email: string | null }): string[] {
  const rules = app.loginPreferences.password;
  const minLength = rules?.passwordMinLength ?? 14;
  const complexity = rules?.passwordComplexity ?? 5;
  const problems: string[] = [];
  if ([...password].length < minLength) problems.push(`password must be at least ${minLength} characters long`);
  const kinds = Math.min(complexity, KINDS.length);
  if (KINDS.filter((kind) => kind.test.test(password)).length < kinds) {
    problems.push(`password must contain characters of at least ${kinds} of these kinds: ${KINDS.map((kind) => kind.name).join(', ')}`);
  }
  if (complexity >= 5) {
    const lowered = password.toLowerCase();
    const parts = [identity.username, identity.email?.split('@')[0] ?? null].filter((part): part is string => part !== null && part.length >= MIN_IDENTITY_PART);
    if (parts.some((part) => lowered.includes(part.toLowerCase()))) problems.push('password must not contain the username or the email address');
  }
  return problems;
}
