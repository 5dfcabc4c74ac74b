import { passwordStanding } from '../../../machines/password.machine.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import { liveCredentialContext } from '../../repositories/credential-repository.js';
import { passwordDefinition } from './definition.js';
import type { UserRecord } from '../../repositories/user-repository.js';
import type { Tx } from '../../storage/prisma.js';
import type { PasswordInformationOf } from '../../users/user-password.js';
import { toUserView, type UserView } from '../../users/user-view.js';
import { passwordLoginPolicy } from './policy.js';

// `password_information` of the Mosaic User object (mosaic-backend-api.md §2.12): whether the
// user's password for the calling app is temporary or expired (judged as its machine judges a
// login at that moment), and when it was set (epoch ms). Absent when the user has no password.

export const passwordInformation: PasswordInformationOf = async (db, app, userId, now) => {
  const password = await liveCredentialContext(db, passwordDefinition, { appId: app.id, userId, kind: 'password' });
  if (password === null) return null;
  return { expired: passwordStanding(password, passwordLoginPolicy(app), now) === 'expired', temporary: password.temporary, updated_at: password.setAt };
};

/** The Mosaic User object as the calling app sees it, its password's information included. */
export async function userViewFor(db: Tx, app: AppRecord, user: UserRecord, now: number): Promise<UserView> {
  return toUserView(user, await passwordInformation(db, app, user.id, now));
}
