import type { TxSteps } from '../engine/definition.js';
import type { AppRecord } from '../repositories/app-repository.js';
import type { Tx } from '../storage/prisma.js';
import type { PasswordInformation } from './user-view.js';

// What the users' requests need of a user's password: a first password set with a new user, and
// the `password_information` of the User object. The password flow provides both
// (src/flows/password/enrolment.ts, information.ts) and the composition root (src/app.ts) hands
// them in: a shared part knows no flow (STYLE §2.2).

/** A new password as the API gives it (mosaic-backend-api.md §2.12). */
export interface NewPassword {
  readonly password: string;
  /** Temporary: good only for being replaced (Mosaic's `force_replace`, true unless given). */
  readonly forceReplace: boolean;
}

/** A user's first password, checked and hashed before the transaction (`prepare`), started in it
 * (`enroll`). `Prepared` is the password flow's own. */
export interface FirstPassword<Prepared> {
  prepare(app: AppRecord, request: NewPassword & { readonly enforceComplexity: boolean }, identity: { readonly username: string | null; readonly email: string | null }): Promise<Prepared>;
  enroll(steps: TxSteps, app: AppRecord, userId: string, prepared: Prepared): Promise<void>;
}

/** The user's password for the calling app as the User object shows it; null when there is none. */
export type PasswordInformationOf = (db: Tx, app: AppRecord, userId: string, now: number) => Promise<PasswordInformation | null>;
