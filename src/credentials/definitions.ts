import { passwordAnswers, type PasswordState } from '../../machines/password.answers.js';
import { PASSWORD_EFFECTS, type PasswordContext, type PasswordEffects, type PasswordEvent, type PasswordInput, passwordMachine } from '../../machines/password.machine.js';
import { totpAnswers, type TotpState } from '../../machines/totp.answers.js';
import { TOTP_EFFECTS, type TotpContext, type TotpEffects, type TotpEvent, type TotpInput, totpMachine } from '../../machines/totp.machine.js';
import type { MachineDefinition } from '../engine/definition.js';
import type { AppRecord } from '../repositories/app-repository.js';
import type { CredentialTypes } from '../repositories/credential-repository.js';
import type { ShadowTypes } from '../repositories/shadow-credential-repository.js';
import type { AuthenticationRequest, LoginVerdict } from '../flows/session/post-login.js';

// The credential machines as the runner sees them: their types, versions and log policies. Never
// a secret in a logged field: a password or a code travels with the request, to the effect that
// compares it; the events carry verdicts (and the TOTP time step, a counter, not a secret).

interface CredentialRequest {
  readonly app: AppRecord;
  /** What the login brings besides the proof (user, named session, claims, resource). */
  readonly authentication?: AuthenticationRequest;
  /** The password or code a login submitted: only the comparing effect sees it. */
  readonly proof?: string;
}

/** The hash a password step stores: made before the step began (a new password), or by the
 * comparison (the same password under new parameters); never under a transaction. */
interface PasswordHashing {
  readonly hash?: string;
}

/** What comparing a password returns for the login's next step (taken in a new transaction by the
 * use case): the verdict event, and the password hashed anew when the stored hash wants it. */
interface PasswordComparison {
  readonly event:
    | { readonly type: 'password.matched'; readonly generation: number; readonly attempt: number; readonly rehash: boolean }
    | { readonly type: 'password.mismatched'; readonly generation: number; readonly attempt: number };
  readonly rehashed: string | null;
}

export interface PasswordTypes extends CredentialTypes {
  readonly input: PasswordInput;
  readonly context: PasswordContext;
  readonly event: PasswordEvent;
  readonly effects: PasswordEffects;
  readonly state: PasswordState;
  readonly request: CredentialRequest & { readonly hashing: PasswordHashing };
  readonly outputs: { readonly comparePassword: PasswordComparison; readonly recordAuthentication: LoginVerdict };
}

export interface TotpTypes extends CredentialTypes {
  readonly input: TotpInput;
  readonly context: TotpContext;
  readonly event: TotpEvent;
  readonly effects: TotpEffects;
  readonly state: TotpState;
  readonly request: CredentialRequest;
  readonly outputs: { readonly recordAuthentication: LoginVerdict };
}

/** A credential kind's machine as a stand-in runs it (src/credentials/shadow-credentials.ts): the
 * same machine, events, states and requests, its own rows. */
export interface Shadowed<T extends CredentialTypes> extends ShadowTypes {
  readonly input: T['input'];
  readonly context: T['context'];
  readonly event: T['event'];
  readonly effects: T['effects'];
  readonly state: T['state'];
  readonly request: T['request'];
  readonly outputs: T['outputs'];
}

export const passwordDefinition: MachineDefinition<PasswordTypes> = {
  name: 'password',
  machine: passwordMachine,
  // 2 (issue 16): the resource asked for and the app's allow-list are judged by the machine
  // (`resourceRefused` states); version 1 instances are carried over by a migration (states only added).
  // 3 (issue 16): the right password's verdict carries the user's status (`userDisabled`).
  version: 3,
  effects: PASSWORD_EFFECTS,
  logged: {
    'password.submit': ['session', 'policy', 'resource', 'allowedResources'],
    'password.matched': ['generation', 'attempt', 'rehash', 'userStatus'],
    'password.mismatched': ['generation', 'attempt'],
    'password.replace': ['temporary'],
  },
  answers: passwordAnswers,
};

export const totpDefinition: MachineDefinition<TotpTypes> = {
  name: 'totp',
  machine: totpMachine,
  // 2 (issue 15): replays and the same wrong code again are forgiven, failures lapse (lastFailureAt).
  // 3 (issue 16): as the password's version 2 (the resource is judged by the machine), and the
  // user's status on `totp.submit` (`userDisabled`).
  // 4 (issue 16): the user's status at registration (`registering`, `refusedRegistration`).
  version: 4,
  effects: TOTP_EFFECTS,
  logged: {
    'totp.submit': ['session', 'policy', 'resource', 'allowedResources', 'userStatus'],
    'totp.matched': ['step'],
    'totp.mismatched': ['repeated'],
    'totp.unlock': [],
    'totp.revoke': [],
  },
  answers: totpAnswers,
};
