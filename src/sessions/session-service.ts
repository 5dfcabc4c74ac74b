import type { SessionFact } from '../../machines/index.js';
import { AuthError } from '../errors.js';
import { findSessionByHash, rehashSessionId, type SessionRow } from '../repositories/session-repository.js';
import { newId, newSecret } from '../secrets/random.js';
import type { SecretHasher } from '../secrets/secret-hasher.js';
import type { Tx } from '../storage/prisma.js';
import { applySessionEvent, openSession, SessionChangedError } from './session-store.js';

// Sessions as the interactive flows see them: an authentication either opens a session or, given
// a session_id, adds its method to that session; both slide the expiry (session statechart).

export const SESSION_TTL_MS = 14 * 24 * 60 * 60 * 1000;

export interface RecordedAuthentication {
  /** The public session_id (returned to the caller; only its hash is stored). */
  readonly sessionId: string;
  readonly session: SessionRow;
}

export interface SessionService {
  /** Opens or extends a session. An unknown, ended, expired, other-tenant or other-user session
   * is SESSION_NOT_FOUND: sessions of two users are never merged (§5 item 7). */
  recordAuthentication(
    tx: Tx,
    input: { tenantId: string; appId: string; userId: string; method: string; sessionId: string | null; at: number },
  ): Promise<RecordedAuthentication>;
  /** The session of this tenant with this public id, whatever its state, or null. */
  find(tx: Tx, tenantId: string, sessionId: string): Promise<SessionRow | null>;
  /** What a flow needs to judge a session named by an authentication. */
  fact(tx: Tx, tenantId: string, sessionId: string): Promise<SessionFact>;
}

export function createSessionService(deps: { hasher: SecretHasher }): SessionService {
  const { hasher } = deps;

  const find: SessionService['find'] = async (tx, tenantId, sessionId) => {
    const session = await findSessionByHash(tx, hasher.candidates(sessionId));
    if (session === null || session.tenantId !== tenantId) return null;
    // Found under an HMAC key that has since rotated out: store the current key's hash, so a
    // session kept alive longer than the old key's overlap keeps working.
    const current = hasher.hash(sessionId);
    if (session.idHash !== current) await rehashSessionId(tx, session.id, session.idHash, current);
    return session;
  };

  return {
    find,
    async fact(tx, tenantId, sessionId) {
      const session = await find(tx, tenantId, sessionId);
      return session === null ? { state: 'missing' } : { state: session.state, userId: session.userId, expiresAt: session.expiresAt };
    },
    async recordAuthentication(tx, input) {
      const { at } = input;
      if (input.sessionId === null) {
        const sessionId = newSecret();
        const session = await openSession(tx, {
          id: newId(),
          idHash: hasher.hash(sessionId),
          tenantId: input.tenantId,
          userId: input.userId,
          appId: input.appId,
          method: input.method,
          at,
          ttlMs: SESSION_TTL_MS,
        });
        return { sessionId, session };
      }
      const existing = await find(tx, input.tenantId, input.sessionId);
      if (existing === null || existing.userId !== input.userId) throw new AuthError('SESSION_NOT_FOUND');
      try {
        // The session machine judges the session (ended, expired at `at`); anything but a live
        // session that took the authentication is "not found" (and the transaction rolls back).
        const session = await applySessionEvent(tx, existing, { type: 'session.authenticate', method: input.method, at }, input.appId, SESSION_TTL_MS);
        if (session.state !== 'active' || session.version === existing.version) throw new AuthError('SESSION_NOT_FOUND');
        return { sessionId: input.sessionId, session };
      } catch (error) {
        // A concurrent logout or authentication changed the session since it was read: refuse
        // rather than resurrect or overwrite it.
        if (error instanceof SessionChangedError) throw new AuthError('SESSION_NOT_FOUND');
        throw error;
      }
    },
  };
}
