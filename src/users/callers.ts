import { AuthError } from '../errors.js';
import type { AppRecord } from '../repositories/app-repository.js';
import { findUserForApp, type UserRecord } from '../repositories/user-repository.js';
import type { Tx } from '../storage/prisma.js';
import type { UserPrincipal } from '../tokens/token-service.js';

// Whom a credential call acts for: the user a user access token names (the user's own calls), or a
// user the calling app names (the app's calls). Shared by every credential kind's enrolment.

/** The caller of a user access token, as it stands now: a token of a user no longer associated with
 * its app, or of an app gone, is no longer good. */
export async function tokenUser(db: Tx, loadApp: (appId: string) => Promise<AppRecord | null>, principal: UserPrincipal): Promise<{ app: AppRecord; user: UserRecord }> {
  const app = await loadApp(principal.appId);
  const user = app === null || app.tenantId !== principal.tenantId ? null : await findUserForApp(db, app.id, app.tenantId, 'user_id', principal.userId);
  if (app === null || user === null) throw new AuthError('TOKEN_INVALID', { details: { reason: 'subject' } });
  return { app, user };
}

/** A user the app names, when the app can look them up (404 for anyone else). */
export async function appUserId(db: Tx, app: AppRecord, userId: string): Promise<string> {
  if ((await findUserForApp(db, app.id, app.tenantId, 'user_id', userId)) === null) throw new AuthError('USER_NOT_FOUND');
  return userId;
}
