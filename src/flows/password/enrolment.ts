import type { Clock } from '../../clock.js';
import type { Runner } from '../../engine/runner.js';
import { AuthError } from '../../errors.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import { findLiveCredential } from '../../repositories/credential-repository.js';
import { findUserForApp, setAppUsername, type UserRecord } from '../../repositories/user-repository.js';
import { newId } from '../../secrets/random.js';
import type { Storage } from '../../storage/prisma.js';
import { userConflict } from '../../users/user-conflict.js';
import type { FirstPassword, NewPassword } from '../../users/user-password.js';
import type { UserView } from '../../users/user-view.js';
import type { Argon2Gate } from '../../credentials/argon2-gate.js';
import { type PasswordTypes, passwordDefinition } from './definition.js';
import { claimingLiveSlot } from '../../credentials/live-slot.js';
import type { PasswordCredentials } from './effects.js';
import { userViewFor } from './information.js';
import { passwordProblems } from './policy.js';

// Setting and replacing a user's password for the calling app (mosaic-backend-api.md §2.12:
// POST and PUT /cis/v1/users/{user_id}/password, and `credentials` on POST /cis/v1/users). A new
// password is checked against the app's rules and hashed (enrolled through the password strategy)
// before any transaction opens; the
// credential is started (or told `password.replace`) in one transaction with whatever else the
// request writes.

/** `prepare`: the checked and hashed password, ready for `enroll` (400 with Mosaic's messages if it
 * breaks the app's rules); `enroll`: starts the user's password credential for the app in the
 * caller's transaction (also what creating a user with `credentials` needs: src/users/user-password.ts). */
export interface PasswordService extends FirstPassword<PreparedPassword> {
  /** POST …/password: 409 when the user has one for the app. */
  set(app: AppRecord, userId: string, request: NewPassword & { readonly username: string | null; readonly enforceComplexity: boolean }): Promise<UserView>;
  /** PUT …/password: replaces the password (sets it when there is none); clears failures and lockout. */
  replace(app: AppRecord, userId: string, request: NewPassword): Promise<UserView>;
}

interface PreparedPassword {
  /** The id the credential takes if this password starts one. */
  readonly id: string;
  readonly hash: string;
  readonly temporary: boolean;
}

export function createPasswordService(deps: { storage: Storage; clock: Clock; runner: Runner; passwords: PasswordCredentials; gate: Argon2Gate }): PasswordService {
  const { storage, runner, passwords } = deps;

  async function appUser(app: AppRecord, userId: string): Promise<UserRecord> {
    const user = await findUserForApp(storage.db, app.id, app.tenantId, 'user_id', userId);
    if (user === null) throw new AuthError('USER_NOT_FOUND');
    return user;
  }

  const service: PasswordService = {
    async prepare(app, request, identity) {
      const problems = request.enforceComplexity ? passwordProblems(app, request.password, identity) : [];
      if (problems.length > 0) throw new AuthError('VALIDATION_FAILED', { message: problems });
      const id = newId();
      // Through the gate logins take: a burst of password changes cannot starve the thread pool either.
      const enrolled = await deps.gate.run(app.id, () => passwords.strategy.enroll(id, { password: request.password }));
      return { id, hash: enrolled.secret, temporary: request.forceReplace };
    },

    async enroll(steps, app, userId, prepared) {
      const create = { tenantId: app.tenantId, userId, secret: prepared.hash, params: {}, label: null };
      const request: PasswordTypes['request'] = { app, hashing: {} };
      await steps.start(passwords, { id: prepared.id, appId: app.id, input: { userId, setAt: deps.clock.now(), temporary: prepared.temporary }, create, request });
    },

    async set(app, userId, request) {
      const user = await appUser(app, userId);
      const prepared = await service.prepare(app, request, { username: request.username ?? user.username, email: user.email });
      const write = () =>
        runner.transaction(async (steps) => {
          if ((await findLiveCredential(steps, passwordDefinition, { appId: app.id, userId, kind: 'password' })) !== null) throw new AuthError('PASSWORD_EXISTS');
          if (request.username !== null && !(await setAppUsername(steps.tx, userId, app.id, request.username))) {
            throw userConflict('This username is already taken in this application');
          }
          await service.enroll(steps, app, userId, prepared);
        });
      await claimingLiveSlot(write, () => Promise.reject(new AuthError('PASSWORD_EXISTS')));
      return userViewFor(storage.db, app, await appUser(app, userId), deps.clock.now());
    },

    async replace(app, userId, request) {
      const user = await appUser(app, userId);
      const prepared = await service.prepare(app, { ...request, enforceComplexity: true }, { username: user.username, email: user.email });
      const write = () =>
        runner.transaction(async (steps) => {
          const live = await findLiveCredential(steps, passwordDefinition, { appId: app.id, userId, kind: 'password' });
          if (live === null) return service.enroll(steps, app, userId, prepared);
          await steps.send(passwords, live, { type: 'password.replace', temporary: prepared.temporary }, { app, hashing: { hash: prepared.hash } });
        });
      // A first password set at once by another request: replace it.
      await claimingLiveSlot(write, write);
      return userViewFor(storage.db, app, await appUser(app, userId), deps.clock.now());
    },
  };
  return service;
}
