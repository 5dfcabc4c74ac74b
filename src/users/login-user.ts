import type { Config } from '../config.js';
import { type RateLimiter, userSubject } from '../limits/rate-limiter.js';
import type { AppRecord } from '../repositories/app-repository.js';
import { findAppUser, type IdentifierType, type UserRecord } from '../repositories/user-repository.js';
import type { Tx } from '../storage/prisma.js';
import { normalizeIdentifier } from './identifiers.js';

// The first thing every login that names its user does (passcodes, authenticator codes,
// passwords): find the app's user the identifier names, and count the request against its limit
// for that user, or for the normalised identifier when it names nobody, so that every spelling of
// one address shares one counter and an unknown one is limited too.

export interface LoginUser {
  readonly user: UserRecord;
  /** Until when the user's passcode lock for the app holds (if ever locked), when it was asked for. */
  readonly lockedUntil: number | null;
  /** `<type>:<normalised identifier>`: what the login named. */
  readonly subject: string;
}

type LoginRequest = { readonly type: IdentifierType; readonly identifier: string; readonly bucket: string; readonly limit: Config['rateLimits']['send']; readonly passcodeLock?: boolean };

export async function findLoginUser(deps: { readonly db: Tx; readonly limiter: RateLimiter }, app: AppRecord, request: LoginRequest): Promise<LoginUser | null> {
  return (await lookUpAndCount(deps, app, request)).found;
}

/** A credential login (password, authenticator code): the user the identifier names (or null), and
 * whom its limit counted, which is also the key its stand-in is kept under (src/credentials/). */
export async function findLoginSubject(deps: { readonly db: Tx; readonly limiter: RateLimiter }, app: AppRecord, request: LoginRequest): Promise<{ user: UserRecord | null; countedAs: string }> {
  const { found, countedAs } = await lookUpAndCount(deps, app, request);
  return { user: found?.user ?? null, countedAs };
}

async function lookUpAndCount(deps: { readonly db: Tx; readonly limiter: RateLimiter }, app: AppRecord, request: LoginRequest): Promise<{ found: LoginUser | null; countedAs: string }> {
  const { type } = request;
  const identifier = normalizeIdentifier(type, request.identifier);
  const found = identifier === null ? null : await findAppUser(deps.db, { appId: app.id, tenantId: app.tenantId }, type, identifier, request.passcodeLock ?? false);
  const countedAs = userSubject(app.tenantId, found?.user ?? null, identifier === null ? null : `${type}:${identifier}`, request.identifier);
  await deps.limiter.hit(request.bucket, request.limit, countedAs);
  return { found: found === null || identifier === null ? null : { ...found, subject: `${type}:${identifier}` }, countedAs };
}
