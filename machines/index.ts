import type { AnyStateMachine } from 'xstate';
import { magicLinkMachine } from './magic-link.machine.js';
import { otpMachine } from './otp.machine.js';
import { passkeyMachine } from './passkey.machine.js';
import { passcodeLockMachine } from './passcode-lock.machine.js';
import { passwordMachine } from './password.machine.js';
import { refreshFamilyMachine } from './refresh-family.machine.js';
import { sessionMachine } from './session.machine.js';
import { totpMachine } from './totp.machine.js';
import { webauthnMachine } from './webauthn.machine.js';

// Every statechart the server runs, by name: the flows (magic link, passcode) and each user's passcode lock, the session, the
// refresh-token family, the credentials (passwords, authenticator apps, passkeys) and the WebAuthn
// ceremonies that register and use passkeys. What the visualizer
// draws and the generated tests walk. src/ registers each
// with the runner (src/engine/machines.ts), with its version, log policy and effect handlers.

export const ALL_MACHINES: Readonly<Record<string, AnyStateMachine>> = {
  'magic-link': magicLinkMachine,
  otp: otpMachine,
  'passcode-lock': passcodeLockMachine,
  session: sessionMachine,
  'refresh-family': refreshFamilyMachine,
  password: passwordMachine,
  totp: totpMachine,
  webauthn: webauthnMachine,
  passkey: passkeyMachine,
};

export type { OtpChannel } from './otp.context.js';
export type { AuthMethod } from './shared/events.js';
