import { schemaCheck } from '../../corrupt-row.js';
import { contextSchema } from '../../engine/stored-context.js';
import { totpAnswers, type TotpState } from '../../../machines/totp.answers.js';
import { TOTP_EFFECTS, type TotpEffects, type TotpEvent, totpMachine } from '../../../machines/totp.machine.js';
import { type TotpContext, type TotpInput, TotpContextShape, TotpStoredInputShape } from '../../../machines/totp.context.js';
import type { CredentialRequest } from '../../credentials/credential-types.js';
import type { MachineDefinition } from '../../engine/definition.js';
import type { CredentialTypes } from '../../repositories/credential-repository.js';
import type { AuthenticationRequest, LoginVerdict } from '../session/post-login.js';

// The authenticator-app (TOTP) machine as the runner sees it: its types, version and log policy.
// Never a secret in a logged field: a code travels with the request, to the effect that compares
// it; the events carry verdicts (and the TOTP time step, a counter, not a secret).

export interface TotpTypes extends CredentialTypes {
  readonly input: TotpInput;
  readonly context: TotpContext;
  readonly event: TotpEvent;
  readonly effects: TotpEffects;
  readonly state: TotpState;
  readonly request: CredentialRequest<AuthenticationRequest>;
  readonly outputs: { readonly recordAuthentication: LoginVerdict };
}

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
  context: contextSchema(TotpContextShape),
  input: schemaCheck(TotpStoredInputShape),
};
