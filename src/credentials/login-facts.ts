import type { Instance, MachineDefinition, RegisteredMachine, TxSteps } from '../engine/definition.js';
import type { AppRecord } from '../repositories/app-repository.js';
import { type CredentialKind, type CredentialTypes, findLiveCredential } from '../repositories/credential-repository.js';
import { findShadow } from '../repositories/shadow-credential-repository.js';
import type { UserRecord } from '../repositories/user-rows.js';
import type { Shadowed } from './credential-types.js';
import { standInKey, unstoredStandIn } from './shadow-credentials.js';

// What a password or authenticator login hands a machine: the user's live credential of the kind
// (locked on PostgreSQL), or else the stand-in answering for it (src/credentials/shadow-credentials.ts),
// and the session machine's verdict on the session it names. Answers and work must not tell who
// holds a credential (issue 15), so every login takes the same steps whoever it names: it looks up
// the credential and the stand-in (one statement each, for nobody too); the login's use case then
// has the session flow judge the named session (for nobody too: no session is theirs), and sends the
// same event to what was found, whose machine answers and whose write and comparison cost the same.

/** The user id of a login that names nobody: no credential's and no session's. */
export const NOBODY = '';

type CredentialSlot<T extends CredentialTypes> =
  | { readonly kind: 'credential'; readonly instance: Instance<T>; readonly user: UserRecord }
  | { readonly kind: 'standIn'; readonly instance: Instance<Shadowed<T>> };

export interface LoginFacts<T extends CredentialTypes> {
  readonly slot: CredentialSlot<T>;
}

export interface LoginNames<T extends CredentialTypes> {
  readonly app: AppRecord;
  /** The user the identifier names in the app, or null. */
  readonly user: UserRecord | null;
  /** Whom the login's limit counted (src/users/login-user.ts findLoginSubject): its stand-in's key. */
  readonly countedAs: string;
  readonly kind: CredentialKind;
  /** The credential's machine (its stored context is checked against it). */
  readonly machine: MachineDefinition<T>;
  readonly standIns: RegisteredMachine<Shadowed<T>>;
  /** What a first stand-in for this login starts from. */
  readonly standInInput: T['input'];
}

export async function credentialLoginFacts<T extends CredentialTypes>(steps: TxSteps, args: LoginNames<T>): Promise<LoginFacts<T>> {
  const { app, user, kind } = args;
  const userId = user?.id ?? NOBODY;
  const credential = await findLiveCredential(steps, args.machine, { appId: app.id, userId, kind });
  const scope = { tenantId: app.tenantId, appId: app.id, subject: args.countedAs };
  const stored = await findShadow(steps.tx, steps.provider, args.standIns.definition, standInKey(args.standIns, kind, scope));
  if (credential !== null && user !== null) return { slot: { kind: 'credential', instance: credential, user } };
  return { slot: { kind: 'standIn', instance: stored ?? unstoredStandIn(args.standIns, kind, scope, args.standInInput) } };
}
