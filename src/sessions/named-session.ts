import type { Instance, TxSteps } from '../engine/definition.js';
import type { Runner } from '../engine/runner.js';
import { type Answer, refused } from '../../machines/shared/answers.js';
import type { AppRecord } from '../repositories/app-repository.js';
import { findSession, rehashSessionId } from '../repositories/session-repository.js';
import type { SecretHasher } from '../secrets/secret-hasher.js';
import type { SessionMachineTypes, Sessions } from './session-machine.js';

// An authentication that names a session_id (MFA step-up): the session machine judges, before the
// flow counts anything, whether the session can take a factor of this user by this method. A
// refusal is applied to the session for real (kept in its log, the session otherwise unchanged)
// and answered "Session not found"; an unknown or other tenant's id has no log to keep it in.

export interface NamedSession {
  readonly publicId: string;
  readonly instance: Instance<SessionMachineTypes>;
}

export async function loadSession(steps: TxSteps, hasher: SecretHasher, tenantId: string, sessionId: string): Promise<Instance<SessionMachineTypes> | null> {
  const instance = await findSession<SessionMachineTypes>(steps.tx, steps.provider, tenantId, hasher.candidates(sessionId));
  // Found under an HMAC key that has since rotated out: store the current key's hash, so a session
  // kept alive longer than the old key's overlap keeps working.
  if (instance !== null) {
    const current = hasher.hash(sessionId);
    if (instance.row.idHash !== current) await rehashSessionId(steps.tx, instance.id, instance.row.idHash, current);
  }
  return instance;
}

export type FactorVerdict = { readonly accepted: true; readonly session: NamedSession } | { readonly accepted: false; readonly answer: Answer };

/** The session able to take the factor, or the refusal to answer with (recorded in the session's
 * log by the time the transaction commits: return it from the transaction, do not throw it). */
export async function sessionForFactor(
  steps: TxSteps,
  deps: { runner: Runner; sessions: Sessions; hasher: SecretHasher },
  args: { app: AppRecord; sessionId: string; userId: string; method: string },
): Promise<FactorVerdict> {
  const instance = await loadSession(steps, deps.hasher, args.app.tenantId, args.sessionId);
  if (instance === null) return { accepted: false, answer: refused('SESSION_NOT_FOUND') };
  const event = { type: 'session.authenticate', userId: args.userId, method: args.method } as const;
  const verdict = deps.runner.evaluate(deps.sessions, instance, event);
  if (verdict.accepted && verdict.answer.kind === 'ok') return { accepted: true, session: { publicId: args.sessionId, instance } };
  const refusal = verdict.accepted ? (await steps.send(deps.sessions, instance, event, { app: args.app, results: {} })).answer : verdict.answer;
  return { accepted: false, answer: refusal.kind === 'ok' ? refused('SESSION_NOT_FOUND') : refusal };
}
