import { AuthError } from '../errors.js';
import { findSessionByHash, insertSession, type SessionRow, updateSession } from '../repositories/session-repository.js';
import { newId, newSecret } from '../secrets/random.js';
import type { SecretHasher } from '../secrets/secret-hasher.js';
import type { Tx } from '../storage/prisma.js';

// Sessions record which methods a user authenticated with. An authentication either opens a new
// session or, given a session_id, adds its method to that session; both slide the expiry.

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
  /** The live session of this tenant with this public id, or null. */
  findLive(tx: Tx, tenantId: string, sessionId: string, at: number): Promise<SessionRow | null>;
}

export function createSessionService(deps: { hasher: SecretHasher }): SessionService {
  const { hasher } = deps;

  const findLive: SessionService['findLive'] = async (tx, tenantId, sessionId, at) => {
    const session = await findSessionByHash(tx, hasher.candidates(sessionId));
    if (session === null || session.tenantId !== tenantId || session.endedAt !== null || session.expiresAt <= at) return null;
    return session;
  };

  return {
    findLive,
    async recordAuthentication(tx, input) {
      const { at } = input;
      if (input.sessionId === null) {
        const sessionId = newSecret();
        const session: SessionRow = {
          id: newId(),
          tenantId: input.tenantId,
          userId: input.userId,
          createdByAppId: input.appId,
          methods: [input.method],
          authTime: at,
          expiresAt: at + SESSION_TTL_MS,
          endedAt: null,
          version: 0,
          createdAt: at,
        };
        const { endedAt: _ended, version: _version, ...row } = session;
        await insertSession(tx, { ...row, idHash: hasher.hash(sessionId) });
        return { sessionId, session };
      }
      const existing = await findLive(tx, input.tenantId, input.sessionId, at);
      if (existing === null || existing.userId !== input.userId) throw new AuthError('SESSION_NOT_FOUND');
      const methods = existing.methods.includes(input.method) ? existing.methods : [...existing.methods, input.method];
      const changes = { methods, authTime: at, expiresAt: at + SESSION_TTL_MS };
      // A concurrent logout or authentication changed the session since it was read: refuse
      // rather than resurrect or overwrite it.
      if (!(await updateSession(tx, existing, changes))) throw new AuthError('SESSION_NOT_FOUND');
      return { sessionId: input.sessionId, session: { ...existing, ...changes, version: existing.version + 1 } };
    },
  };
}
