import { schemaCheck } from '../../corrupt-row.js';
import { contextSchema } from '../../engine/stored-context.js';
import { SESSION_EFFECTS, type SessionEffects, type SessionEvent, sessionMachine } from '../../../machines/session.machine.js';
import { type SessionContext, type SessionInput, SessionContextShape, SessionInputShape } from '../../../machines/session.context.js';
import { sessionAnswers, type SessionState } from '../../../machines/session.answers.js';
import type { MachineDefinition, RegisteredMachine } from '../../engine/definition.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import { sessionStore, type SessionTypes as SessionRowTypes } from '../../repositories/session-repository.js';
import type { Provider } from '../../storage/migrate.js';

// The session as the runner runs it: its definition and store (it names no effect).

export const SESSION_TTL_MS = 14 * 24 * 60 * 60 * 1000;

interface SessionRequest {
  readonly app: AppRecord;
}

export interface SessionMachineTypes extends SessionRowTypes {
  readonly input: SessionInput;
  readonly context: SessionContext;
  readonly event: SessionEvent;
  readonly effects: SessionEffects;
  readonly state: SessionState;
  readonly request: SessionRequest;
}

export const sessionDefinition: MachineDefinition<SessionMachineTypes> = {
  name: 'session',
  machine: sessionMachine,
  // 3 (issue 16): silent authentication hands in the user's status and the resource asked for,
  // judged by the machine (states only added; version 2 sessions are carried over by a migration).
  version: 3,
  effects: SESSION_EFFECTS,
  logged: {
    'session.authenticate': ['userId', 'method'],
    'session.silentAuthenticate': ['mfa', 'userStatus', 'resource', 'allowedResources'],
    // Only ever evaluated (a presented user token writes nothing); declared for completeness.
    'session.check': ['userId'],
    'session.logout': [],
    'session.revoke': [],
  },
  answers: sessionAnswers,
  context: contextSchema(SessionContextShape),
  input: schemaCheck(SessionInputShape),
};

export type Sessions = RegisteredMachine<SessionMachineTypes>;

export function createSessions(deps: { provider: Provider }): Sessions {
  // The session names no effect (machines/session.machine.ts): its follow-ups are the post-login step.
  return { definition: sessionDefinition, store: sessionStore(sessionDefinition, deps.provider), handlers: {} };
}
