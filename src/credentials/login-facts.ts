import type { Instance, TxSteps } from '../engine/definition.js';
import type { Runner } from '../engine/runner.js';
import { AuthError, type ErrorCode } from '../errors.js';
import type { AppRecord } from '../repositories/app-repository.js';
import { type CredentialKind, type CredentialTypes, findLiveCredential } from '../repositories/credential-repository.js';
import type { SecretHasher } from '../secrets/secret-hasher.js';
import { type FactorVerdict, sessionForFactor } from '../sessions/named-session.js';
import type { Sessions } from '../sessions/session-machine.js';

// What a password or authenticator login hands its credential's machine: the user's live
// credential of the kind (locked on PostgreSQL) and the verdict on the session it names. Answers
// must not tell who has which credential: a user without one answers like a wrong proof, and a
// named session that cannot take the factor answers "Session not found" whether or not there is a
// credential (and, in the services, whether or not the user exists).

export interface LoginFacts<T extends CredentialTypes> {
  readonly credential: Instance<T>;
  readonly named: FactorVerdict | null;
}

/** The facts, or null when the user has no credential of the kind (and the named session, if any, could take the factor). */
export async function credentialLoginFacts<T extends CredentialTypes>(
  steps: TxSteps,
  deps: { runner: Runner; sessions: Sessions; hasher: SecretHasher },
  args: { app: AppRecord; userId: string; kind: CredentialKind; method: string; sessionId: string | null },
): Promise<LoginFacts<T> | null> {
  const credential = await findLiveCredential<T>(steps.tx, steps.provider, { appId: args.app.id, userId: args.userId, kind: args.kind });
  const named = args.sessionId === null ? null : await sessionForFactor(steps, deps, { app: args.app, sessionId: args.sessionId, userId: args.userId, method: args.method });
  if (credential !== null) return { credential, named };
  if (named?.verdict === 'refused') throw new AuthError('SESSION_NOT_FOUND');
  return null;
}

/** A login with nothing to compare (nobody the app knows, or no credential): refused as a named
 * session would be ("Session not found"), else with `invalid` after `work` (a comparison's cost). */
export async function refuseNobody(sessionId: string | null, invalid: ErrorCode, work?: () => Promise<unknown>): Promise<never> {
  if (sessionId !== null) throw new AuthError('SESSION_NOT_FOUND');
  await work?.();
  throw new AuthError(invalid);
}
