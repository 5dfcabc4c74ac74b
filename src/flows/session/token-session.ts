import type { RecentFactor } from '../../../machines/session.machine.js';
import type { TxSteps } from '../../engine/definition.js';
import type { Runner } from '../../engine/runner.js';
import { AuthError } from '../../errors.js';
import { findSessionById } from '../../repositories/session-repository.js';
import type { UserPrincipal } from '../../tokens/token-service.js';
import { type Sessions, sessionDefinition } from './effects.js';

// A user access token names its session (`sid`). The endpoints that take one accept it only while
// that session stands, as the session machine judges it: logged out, revoked, expired, of another
// user or gone, and the token is refused (401 TOKEN_INVALID) whatever its `exp` says, so a stolen
// token dies with the session it was issued in. The machine is asked, never driven
// (runner.evaluate): presenting a token writes nothing.
//
// Asked inside the transaction that acts for the token, with the session row locked (PostgreSQL;
// SQLite runs one writer at a time): a concurrent logout either commits first, and the token is
// refused, or waits until this request has finished.

export interface TokenSession {
  /** Whether the session also proved `recent.method` within `recent.withinMs` (replacing a factor). */
  proves(recent: RecentFactor): boolean;
}

export async function tokenSession(steps: TxSteps, deps: { runner: Runner; sessions: Sessions }, principal: UserPrincipal): Promise<TokenSession> {
  const instance = await findSessionById(steps, sessionDefinition, principal.tenantId, principal.sessionId);
  const stands = (recent: RecentFactor | null): boolean => {
    if (instance === null) return false;
    const asked = deps.runner.evaluate(deps.sessions, instance, { type: 'session.check', userId: principal.userId, recent });
    return asked.accepted && asked.answer.kind === 'ok';
  };
  if (!stands(null)) throw new AuthError('TOKEN_INVALID', { details: { reason: 'session' } });
  return { proves: stands };
}
