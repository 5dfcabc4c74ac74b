import type { AnyStateMachine } from 'xstate';
import { magicLinkMachine } from './magic-link.machine.js';
import { otpMachine } from './otp.machine.js';
import { logoutMachine } from './logout.machine.js';
import { refreshMachine } from './refresh.machine.js';
import { sessionMachine } from './session.machine.js';
import { silentAuthMachine } from './silent-auth.machine.js';

// The registry: the only thing src/ imports from machines/. Bump `version` whenever a machine's
// states or context shape change, and keep the old entry under `retired` until its longest TTL
// has passed, so flows already in flight finish on the logic they started with.

export interface RegisteredMachine {
  readonly machine: AnyStateMachine;
  readonly version: number;
}

export const FLOW_KINDS = ['magic-link', 'otp'] as const;
export type FlowKind = (typeof FLOW_KINDS)[number];

const current: Record<FlowKind, RegisteredMachine> = {
  'magic-link': { machine: magicLinkMachine, version: 1 },
  // v2 (issue 7): refuses sends during a lockout; judges request_id and session before counting.
  otp: { machine: otpMachine, version: 2 },
};

/** Older versions still accepted for flows in flight: kind → version → machine. */
const retired: Partial<Record<FlowKind, Record<number, AnyStateMachine>>> = {};

export function currentMachine(kind: FlowKind): RegisteredMachine {
  return current[kind];
}

/** The machine a persisted flow was started with, or null when that version is gone. */
export function machineFor(kind: string, version: number): AnyStateMachine | null {
  if (!isFlowKind(kind)) return null;
  if (current[kind].version === version) return current[kind].machine;
  return retired[kind]?.[version] ?? null;
}

export function isFlowKind(kind: string): kind is FlowKind {
  return (FLOW_KINDS as readonly string[]).includes(kind);
}

export { logoutMachine, magicLinkMachine, otpMachine, refreshMachine, sessionMachine, silentAuthMachine };

/** Every statechart the server runs, by name: persisted flows, the session, and the request-scoped
 * decisions (silent authentication, refresh, logout). What the visualizer draws. */
export const ALL_MACHINES: Readonly<Record<string, AnyStateMachine>> = {
  'magic-link': magicLinkMachine,
  otp: otpMachine,
  session: sessionMachine,
  'silent-auth': silentAuthMachine,
  refresh: refreshMachine,
  logout: logoutMachine,
};
export type { MagicLinkContext, MagicLinkEvent, MagicLinkInput } from './magic-link.machine.js';
export type { OtpChannel, OtpContext, OtpEvent, OtpInput, SessionFact } from './otp.machine.js';
export { OTP_METHOD } from './otp.machine.js';
export type { SessionContext, SessionEvent, SessionInput } from './session.machine.js';
export type { SessionStanding, SilentAuthInput } from './silent-auth.machine.js';
export { meetsMfaPolicy } from './silent-auth.machine.js';
export type { RefreshInput, RefreshTokenStanding } from './refresh.machine.js';
export type { LogoutInput } from './logout.machine.js';
export { stateValueToString } from './shared/state-value.js';
export type { AuthMethod } from './shared/events.js';
