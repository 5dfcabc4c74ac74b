import { totpCode, type TotpParams, totpStep } from '../src/flows/totp/codes.js';
import { call, text } from './setup.js';

// The fixtures of `npm run bench:enumeration` (bench/enumeration.ts), made over the real server's
// HTTP API as an app would: an app whose logins lock late (so many wrong secrets can be timed per
// identifier), and for each kind of credential the three whom a login can name: identifiers of
// nobody, users without the credential, users with it (a password; an authenticator registered
// with the user's own access token).

export type Kind = 'password' | 'totp';
export type Case = 'unknown' | 'without' | 'holder';
export const CASES: readonly Case[] = ['unknown', 'without', 'holder'];

/** Wrong secrets allowed per identifier before it locks (the app's maxFailures), and what the
 * bench spends of them on the "wrong secret" path before it moves on to the next identifier. */
export const MAX_FAILURES = 20;
export const WRONG_PER_SUBJECT = MAX_FAILURES - 2;
const PARAMS: TotpParams = { algorithm: 'sha1', digits: 6, period: 30 };
const STRONG = 'Correct-Horse-42-battery';

export interface Subject {
  readonly email: string;
  /** The authenticator's seed (TOTP holders). */
  readonly seed: string | null;
}

export interface Client {
  readonly url: string;
  readonly token: string;
}

export async function createClient(url: string, adminToken: string): Promise<Client> {
  const preferences = { password: { maxPasswordFailures: MAX_FAILURES, passwordSuspensionDuration: 60, failuresExpireIn: 60 }, totp: { maxFailures: MAX_FAILURES, lockoutDuration: 60 } };
  const app = await call(url, '/admin/v1/applications', 201, {
    bearer: adminToken,
    body: { name: 'Enumeration bench', redirect_uris: ['http://127.0.0.1/bench/callback'], login_preferences: preferences },
  });
  const form = { grant_type: 'client_credentials', client_id: text(app.client_id, 'client_id'), client_secret: text(app.client_secret, 'client_secret') };
  return { url, token: text((await call(url, '/oidc/token', 200, { form })).access_token, 'access_token') };
}

let counter = 0;

/** One subject of the case for a login of `kind`. */
export async function newSubject(client: Client, kind: Kind, which: Case): Promise<Subject> {
  const email = `bench-${which}-${++counter}@example.com`;
  if (which === 'unknown') return { email, seed: null };
  const credentials = which === 'holder' && kind === 'password' ? { credentials: { password: STRONG, force_replace: false } } : {};
  const as = (bearer: string, body: unknown) => ({ bearer, body });
  await call(client.url, '/cis/v1/users', 201, as(client.token, { email, ...credentials }));
  if (which !== 'holder' || kind !== 'totp') return { email, seed: null };
  const asUser = { identifier_type: 'email', identifier: email };
  const sent = await call(client.url, '/cis/v1/auth/otp/send', 200, as(client.token, { channel: 'direct', ...asUser }));
  const login = await call(client.url, '/cis/v1/auth/otp/authenticate', 200, as(client.token, { passcode: text(sent.code, 'code'), ...asUser }));
  const registered = await call(client.url, '/cis/v1/auth/totp/register', 201, as(text(login.access_token, 'access_token'), {}));
  return { email, seed: text(registered.secret, 'secret') };
}

let codes = 0;

/** A wrong secret: a password nobody has, or a code that is not the holder's good one now. */
export function wrongSecret(kind: Kind, holderSeed: string | null): string {
  if (kind === 'password') return `wrong-guess-${++codes}`;
  const step = totpStep(PARAMS, Date.now());
  const good = holderSeed === null ? [] : [step - 1, step, step + 1].map((at) => totpCode(holderSeed, PARAMS, at));
  let code: string;
  do code = String(100_000 + (++codes % 900_000));
  while (good.includes(code));
  return code;
}

/** The body of a login of `kind` naming `email`. */
export function loginBody(kind: Kind, email: string, secret: string, sessionId: string | null): { path: string; body: Record<string, unknown> } {
  const session = sessionId === null ? {} : { session_id: sessionId };
  return kind === 'password'
    ? { path: '/cis/v1/auth/password/authenticate', body: { username: email, username_type: 'email', password: secret, ...session } }
    : { path: '/cis/v1/auth/totp/authenticate', body: { token: secret, identifier: email, identifier_type: 'email', ...session } };
}
