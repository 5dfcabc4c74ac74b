import type { Instance, TxSteps } from '../../engine/definition.js';
import type { Runner } from '../../engine/runner.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import { findSession, rehashSessionId } from '../../repositories/session-repository.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import { type SessionMachineTypes, type Sessions, sessionDefinition } from './effects.js';

// An authentication that names a session_id (MFA step-up): the session machine judges, before the
// flow is asked, whether the session can take a factor of this user by this method. A refusal is
// applied to the session for real (kept in its log, the session otherwise unchanged); an unknown or
// other tenant's id has no session to keep it. Either way the verdict travels to the flow in its
// `code.submit` event, and the flow's machine refuses the authentication (its `sessionRefused`
// state answers "Session not found"), before it counts or compares anything.

interface NamedSession {
  readonly publicId: string;
  readonly instance: Instance<SessionMachineTypes>;
}

export async function loadSession(steps: TxSteps, hasher: SecretHasher, tenantId: string, sessionId: string): Promise<Instance<SessionMachineTypes> | null> {
  const instance = await findSession(steps, sessionDefinition, tenantId, hasher.candidates(sessionId));
  // Found under an HMAC key that has since rotated out: store the current key's hash, so a session
  // kept alive longer than the old key's overlap keeps working.
  if (instance !== null) {
    const current = hasher.hash(sessionId);
    if (instance.row.idHash !== current) await steps.write(rehashSessionId(steps.tx, instance.id, instance.row.idHash, current));
  }
  return instance;
}

export type FactorVerdict = { readonly verdict: 'usable'; readonly session: NamedSession } | { readonly verdict: 'refused'; readonly session: null };

/** The session able to take the factor, or the refusal (recorded in the session's log by the time
 * the transaction commits, when there is a session to record it in). */
export async function sessionForFactor(
  steps: TxSteps,
  deps: { runner: Runner; sessions: Sessions; hasher: SecretHasher },
  args: { app: AppRecord; sessionId: string; userId: string; method: string },
): Promise<FactorVerdict> {
  const instance = await loadSession(steps, deps.hasher, args.app.tenantId, args.sessionId);
  if (instance === null) return { verdict: 'refused', session: null };
  const event = { type: 'session.authenticate', userId: args.userId, method: args.method } as const;
  const asked = deps.runner.evaluate(deps.sessions, instance, event);
  if (asked.accepted && asked.answer.kind === 'ok') return { verdict: 'usable', session: { publicId: args.sessionId, instance } };
  if (asked.accepted) await steps.send(deps.sessions, instance, event, { app: args.app });
  return { verdict: 'refused', session: null };
}
