import { type AnyStateMachine, initialTransition, transition } from 'xstate';
import { type SessionContext, type SessionEvent, sessionMachine, stateValueToString } from '../../machines/index.js';
import { appendSessionEvent, insertSession, type SessionRow, saveSession } from '../repositories/session-repository.js';
import type { Tx } from '../storage/prisma.js';

// The session statechart, persisted: a Session row is the machine's state and context. Events are
// applied inside the caller's transaction (the flow step that authenticated, a silent
// authentication, a logout), saved with a version check, and appended to the session's log.

export class SessionChangedError extends Error {
  constructor(readonly sessionId: string) {
    super(`session ${sessionId} was changed by a concurrent request`);
    this.name = 'SessionChangedError';
  }
}

const contextOf = (row: SessionRow, ttlMs: number): SessionContext => ({
  tenantId: row.tenantId,
  userId: row.userId,
  methods: row.methods,
  authTime: row.authTime,
  expiresAt: row.expiresAt,
  ttlMs,
  endReason: row.endReason,
});

export async function openSession(
  tx: Tx,
  session: { id: string; idHash: string; tenantId: string; userId: string; appId: string; method: string; at: number; ttlMs: number },
): Promise<SessionRow> {
  const [snapshot] = initialTransition(sessionMachine, { tenantId: session.tenantId, userId: session.userId, method: session.method, at: session.at, ttlMs: session.ttlMs });
  const context = snapshot.context;
  const row: SessionRow = {
    id: session.id,
    idHash: session.idHash,
    tenantId: session.tenantId,
    userId: session.userId,
    createdByAppId: session.appId,
    state: stateValueToString(snapshot.value) as SessionRow['state'],
    methods: context.methods,
    authTime: context.authTime,
    expiresAt: context.expiresAt,
    endedAt: null,
    endReason: null,
    version: 1,
    createdAt: session.at,
  };
  await insertSession(tx, row);
  await appendSessionEvent(tx, { sessionId: row.id, seq: 1, type: 'xstate.init', at: session.at, state: row.state, appId: session.appId, details: { method: session.method } });
  return row;
}

/**
 * Applies one event to a session. Returns the new row, or the old one unchanged when the machine
 * has no transition for the event (e.g. anything on a terminated session). Throws
 * SessionChangedError when a concurrent request saved the session first.
 */
export async function applySessionEvent(tx: Tx, row: SessionRow, event: SessionEvent, appId: string, ttlMs: number): Promise<SessionRow> {
  const machine: AnyStateMachine = sessionMachine;
  const current = machine.resolveState({ value: row.state, context: contextOf(row, ttlMs) });
  if (!current.can(event)) return row;
  const [next] = transition(sessionMachine, current as ReturnType<typeof sessionMachine.resolveState>, event);
  const state = stateValueToString(next.value) as SessionRow['state'];
  const saved: SessionRow = {
    ...row,
    state,
    methods: next.context.methods,
    authTime: next.context.authTime,
    expiresAt: next.context.expiresAt,
    endReason: next.context.endReason,
    endedAt: state === 'terminated' && row.endedAt === null ? event.at : row.endedAt,
    version: row.version + 1,
  };
  if (!(await saveSession(tx, row.version, saved))) throw new SessionChangedError(row.id);
  const details = event.type === 'session.authenticate' ? { method: event.method } : null;
  await appendSessionEvent(tx, { sessionId: row.id, seq: saved.version, type: event.type, at: event.at, state, appId, details });
  return saved;
}
