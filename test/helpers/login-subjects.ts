import { expect } from 'vitest';
import { totpCode, type TotpParams, totpStep } from '../../src/flows/totp/codes.js';
import type { TestClient, TestServer } from './test-server.js';

// Whom a password or authenticator login can name (issue 15): nobody the app knows, a user without
// the credential, a user with it; and the logins themselves, for the tests that compare them.

export const STRONG = 'Correct-Horse-42-battery';
export const TOTP_PARAMS: TotpParams = { algorithm: 'sha1', digits: 6, period: 30 };
export type Kind = 'password' | 'totp';

export interface Holder {
  readonly userId: string;
  readonly email: string;
  /** The authenticator's seed (TOTP), as the user's app holds it. */
  readonly seed: string | null;
}

let counter = 0;
const nextEmail = (what: string) => `${what}-${++counter}@example.com`;

async function newUser(app: TestClient, body: Record<string, unknown> = {}): Promise<{ userId: string; email: string }> {
  const email = nextEmail('user');
  const created = await app.call('POST', '/cis/v1/users', { email, ...body });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { userId: created.body.result.user_id as string, email };
}

/** A user with an authenticator registered with their own access token (from a direct passcode login). */
async function withAuthenticator(server: TestServer, app: TestClient): Promise<Holder> {
  const user = await newUser(app);
  const asUser = { identifier_type: 'email', identifier: user.email };
  const { code } = (await app.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', ...asUser })).body as { code: string };
  const { access_token: token } = (await app.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: code, ...asUser })).body as { access_token: string };
  const response = await fetch(`${server.url}/cis/v1/auth/totp/register`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
  expect(response.status).toBe(201);
  return { ...user, seed: ((await response.json()) as { secret: string }).secret };
}

/** Three emails a login of `kind` can name: nobody's, a user's without the credential, a holder's. */
export async function loginSubjects(server: TestServer, app: TestClient, kind: Kind): Promise<{ unknown: string; without: string; holder: Holder }> {
  const without = (await newUser(app)).email;
  const holder = kind === 'totp' ? await withAuthenticator(server, app) : { ...(await newUser(app, { credentials: { password: STRONG, force_replace: false } })), seed: null };
  return { unknown: nextEmail('nobody'), without, holder };
}

/** The holder's good code now (TOTP). */
export const goodCode = (server: TestServer, seed: string): string => totpCode(seed, TOTP_PARAMS, totpStep(TOTP_PARAMS, server.clock.now()));

/** `count` different codes, none of them good now for `seed` (the current step's or the one before). */
export function wrongCodes(server: TestServer, seed: string, count: number): string[] {
  const step = totpStep(TOTP_PARAMS, server.clock.now());
  const good = [totpCode(seed, TOTP_PARAMS, step - 1), totpCode(seed, TOTP_PARAMS, step)];
  return Array.from({ length: count + 2 }, (_, i) => String(100_000 + i))
    .filter((code) => !good.includes(code))
    .slice(0, count);
}

/** One login of `kind` naming `email` with `secret` (and a session, when given). */
export function login(app: TestClient, kind: Kind, email: string, secret: string, sessionId?: string): Promise<{ status: number; body: any }> {
  const session = sessionId === undefined ? {} : { session_id: sessionId };
  return kind === 'password'
    ? app.call('POST', '/cis/v1/auth/password/authenticate', { username: email, username_type: 'email', password: secret, ...session })
    : app.call('POST', '/cis/v1/auth/totp/authenticate', { token: secret, identifier: email, identifier_type: 'email', ...session });
}
