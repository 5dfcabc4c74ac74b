import type { AnyStateMachine } from 'xstate';
import { magicLinkMachine } from './magic-link.machine.js';
import { otpMachine } from './otp.machine.js';
import { passwordMachine } from './password.machine.js';
import { refreshFamilyMachine } from './refresh-family.machine.js';
import { sessionMachine } from './session.machine.js';
import { totpMachine } from './totp.machine.js';

// Every statechart the server runs, by name: the flows (magic link, passcode), the session, the
// refresh-token family and the credentials (passwords, authenticator apps). What the visualizer
// draws and the generated tests walk. src/ registers each
// with the runner (src/engine/machines.ts), with its version, log policy and effect handlers.

export const ALL_MACHINES: Readonly<Record<string, AnyStateMachine>> = {
  'magic-link': magicLinkMachine,
  otp: otpMachine,
  session: sessionMachine,
  'refresh-family': refreshFamilyMachine,
  password: passwordMachine,
  totp: totpMachine,
};

export { magicLinkMachine, otpMachine, passwordMachine, refreshFamilyMachine, sessionMachine, totpMachine };
export type { MagicLinkContext, MagicLinkEvent, MagicLinkInput } from './magic-link.machine.js';
export type { OtpChannel, OtpContext, OtpEvent, OtpInput } from './otp.machine.js';
export { OTP_METHOD } from './otp.machine.js';
export type { MfaPolicy, SessionContext, SessionEvent, SessionInput } from './session.machine.js';
export { meetsMfaPolicy } from './session.machine.js';
export type { RefreshFamilyContext, RefreshFamilyEvent, RefreshFamilyInput } from './refresh-family.machine.js';
export { stateValueToString } from './shared/state-value.js';
export type { AuthMethod } from './shared/events.js';
