import type { Clock } from '../clock.js';
import type { Runner } from '../engine/runner.js';
import { AuthError } from '../errors.js';
import { associateUser, findTenantUsersByIdentity, findUserForApp, insertUser, type IdentifierType, type UserRecord } from '../repositories/user-repository.js';
import { newId } from '../secrets/random.js';
import type { Storage } from '../storage/prisma.js';
import type { AppRecord } from '../repositories/app-repository.js';
import { normalizeEmail, normalizeIdentifier, normalizePhoneNumber } from './identifiers.js';
import { userConflict } from './user-conflict.js';
import type { FirstPassword, NewPassword, PasswordInformationOf } from './user-password.js';
import { toUserView, type UserView } from './user-view.js';

// POST /cis/v1/users and the four lookups (mosaic-backend-api.md §2.12). Users are tenant-level;
// an app sees only users associated with it. Creating a user that already exists in the tenant
// but not in the app associates it with the app and changes nothing else.

interface CreateUserRequest {
  readonly email: string | null;
  readonly phoneNumber: string | null;
  readonly username: string | null;
  readonly externalUserId: string | null;
  readonly externalAccountId: string | null;
  readonly customData: Record<string, unknown> | null;
  readonly customAppData: Record<string, unknown> | null;
  /** Stored as given and returned: name, address, birthday, picture, language, secondary lists. */
  readonly profile: Record<string, unknown>;
  /** The user's first password for this app (`credentials`), or null. */
  readonly password: NewPassword | null;
}

export interface UserService {
  create(caller: AppRecord, request: CreateUserRequest): Promise<UserView>;
  lookup(caller: AppRecord, type: IdentifierType, value: string): Promise<UserView>;
}

export function createUserService<Prepared>(deps: {
  storage: Storage;
  clock: Clock;
  runner: Runner;
  /** The password flow's: a first password set with the user (src/flows/password/enrolment.ts). */
  passwords: FirstPassword<Prepared>;
  /** The password flow's: `password_information` (src/flows/password/information.ts). */
  passwordInformation: PasswordInformationOf;
}): UserService {
  const { db } = deps.storage;

  const lookupRecord = async (caller: AppRecord, type: IdentifierType, value: string): Promise<UserRecord | null> => {
    const normalized = normalizeIdentifier(type, value);
    return normalized === null ? null : findUserForApp(db, caller.id, caller.tenantId, type, normalized);
  };

  const viewOf = async (caller: AppRecord, user: UserRecord): Promise<UserView> => toUserView(user, await deps.passwordInformation(db, caller, user.id, deps.clock.now()));

  return {
    async create(caller, request) {
      const email = request.email === null ? null : normalizeEmail(request.email);
      const phoneNumber = request.phoneNumber === null ? null : normalizePhoneNumber(request.phoneNumber);
      if (request.phoneNumber !== null && phoneNumber === null) {
        throw new AuthError('VALIDATION_FAILED', { message: ['phone_number must be a valid phone number in E.164 format'] });
      }
      if (email === null && phoneNumber === null && request.username === null && request.externalUserId === null) {
        throw new AuthError('VALIDATION_FAILED', { message: ['an email, phone_number, username or external_user_id is required'] });
      }
      const link = { username: request.username, externalAccountId: request.externalAccountId, customAppData: request.customAppData };
      const holders = await findTenantUsersByIdentity(db, caller.tenantId, { email, phoneNumber, externalUserId: request.externalUserId });
      if (holders.length > 1) throw userConflict('The identifiers belong to different users');
      const holder = holders[0];
      if (holder?.appIds.includes(caller.id)) throw userConflict('A user with this identifier already exists');
      const userId = holder?.id ?? newId();
      // Checked and hashed before anything is written: a password the app's rules refuse creates nobody.
      const password = request.password === null ? null : await deps.passwords.prepare(caller, { ...request.password, enforceComplexity: true }, { username: request.username, email });
      // The user (or its association with the app) and its password: one transaction.
      await deps.runner.transaction(async (steps) => {
        const at = deps.clock.now();
        if (holder === undefined) {
          const user = { id: userId, tenantId: caller.tenantId, email, phoneNumber, externalUserId: request.externalUserId, profile: request.profile, customData: request.customData };
          if (!(await insertUser(steps.tx, user, caller.id, link, at))) throw userConflict('A user with this identifier already exists');
        } else if (!(await associateUser(steps.tx, holder.id, caller.id, link, at))) {
          throw userConflict('This username is already taken in this application');
        }
        if (password !== null) await deps.passwords.enroll(steps, caller, userId, password);
      });
      const user = await findUserForApp(db, caller.id, caller.tenantId, 'user_id', userId);
      if (user === null) throw new AuthError('USER_NOT_FOUND');
      return viewOf(caller, user);
    },

    async lookup(caller, type, value) {
      const user = await lookupRecord(caller, type, value);
      if (user === null) throw new AuthError('USER_NOT_FOUND');
      return viewOf(caller, user);
    },
  };
}
