import type { AnyStateMachine } from 'xstate';
import { magicLinkMachine } from './magic-link.machine.js';
import { otpMachine } from './otp.machine.js';

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
  otp: { machine: otpMachine, version: 1 },
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

export { magicLinkMachine, otpMachine };
export type { MagicLinkContext, MagicLinkEvent, MagicLinkInput } from './magic-link.machine.js';
export type { OtpChannel, OtpContext, OtpEvent, OtpInput } from './otp.machine.js';
export { OTP_METHOD } from './otp.machine.js';
