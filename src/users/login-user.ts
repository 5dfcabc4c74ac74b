import type { Config } from '../config.js';
import { type RateLimiter, userSubject } from '../limits/rate-limiter.js';
import type { AppRecord } from '../repositories/app-repository.js';
import type { LockableMethod } from '../repositories/lockout-repository.js';
import { findAppUser, type IdentifierType, type UserRecord } from '../repositories/user-repository.js';
import type { Tx } from '../storage/prisma.js';
import { normalizeIdentifier } from './identifiers.js';

// The first thing every login that names its user does (passcodes, authenticator codes,
// passwords): find the app's user the identifier names, and count the request against its limit
// for that user, or for the normalised identifier when it names nobody, so that every spelling of
// one address shares one counter and an unknown one is limited too.

export interface LoginUser {
  readonly user: UserRecord;
  /** The lockout of `lockoutMethod` in force for this user and app, when one was asked for. */
  readonly lockedUntil: number | null;
  /** `<type>:<normalised identifier>`: what the login named. */
  readonly subject: string;
}

export async function findLoginUser(
  deps: { readonly db: Tx; readonly limiter: RateLimiter },
  app: AppRecord,
  request: { readonly type: IdentifierType; readonly identifier: string; readonly bucket: string; readonly limit: Config['rateLimits']['send']; readonly lockoutMethod?: LockableMethod },
): Promise<LoginUser | null> {
  const { type } = request;
  const identifier = normalizeIdentifier(type, request.identifier);
  const found = identifier === null ? null : await findAppUser(deps.db, { appId: app.id, tenantId: app.tenantId }, type, identifier, request.lockoutMethod ?? null);
  await deps.limiter.hit(request.bucket, request.limit, loginSubject(app.tenantId, found?.user ?? null, type, request.identifier));
  return found === null || identifier === null ? null : { ...found, subject: `${type}:${identifier}` };
}

/** Whom a login names, as its limit counts it (and a stand-in credential is kept for it): the user
 * when the identifier names one, else the normalised identifier within the tenant. */
export function loginSubject(tenantId: string, user: { readonly id: string } | null, type: IdentifierType, identifier: string): string {
  const normalized = normalizeIdentifier(type, identifier);
  return userSubject(tenantId, user, normalized === null ? null : `${type}:${normalized}`, identifier);
}
