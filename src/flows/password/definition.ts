import { schemaCheck } from '../../corrupt-row.js';
import { contextSchema } from '../../engine/stored-context.js';
import { passwordAnswers, type PasswordState } from '../../../machines/password.answers.js';
import { PASSWORD_EFFECTS, type PasswordEffects, type PasswordEvent, passwordMachine } from '../../../machines/password.machine.js';
import { type PasswordContext, type PasswordInput, PasswordContextShape, PasswordInputShape } from '../../../machines/password.context.js';
import type { CredentialRequest } from '../../credentials/credential-types.js';
import type { MachineDefinition } from '../../engine/definition.js';
import type { CredentialTypes } from '../../repositories/credential-repository.js';
import type { AuthenticationRequest, LoginVerdict } from '../session/post-login.js';

// The password machine as the runner sees it: its types, version and log policy. Never a secret in
// a logged field: the password travels with the request, to the effect that compares it; the
// events carry verdicts.

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
  readonly request: CredentialRequest<AuthenticationRequest> & { readonly hashing: PasswordHashing };
  readonly outputs: { readonly comparePassword: PasswordComparison; readonly recordAuthentication: LoginVerdict };
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
  context: contextSchema(PasswordContextShape),
  input: schemaCheck(PasswordInputShape),
};
