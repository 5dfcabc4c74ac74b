import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { schemaCheck } from '../../corrupt-row.js';
import { contextSchema } from '../../engine/stored-context.js';
import { passkeyAnswers, type PasskeyState } from '../../../machines/passkey.answers.js';
import { type PasskeyContext, PasskeyContextShape, type PasskeyInput, PasskeyInputShape } from '../../../machines/passkey.context.js';
import { PASSKEY_EFFECTS, type PasskeyEffects, type PasskeyEvent, passkeyMachine } from '../../../machines/passkey.machine.js';
import { webauthnAnswers, type WebauthnState } from '../../../machines/webauthn.answers.js';
import { type WebauthnContext, WebauthnContextShape, type WebauthnInput, WebauthnInputShape } from '../../../machines/webauthn.context.js';
import { WEBAUTHN_EFFECTS, type WebauthnEffects, type WebauthnEvent, webauthnMachine } from '../../../machines/webauthn.machine.js';
import type { CredentialRequest } from '../../credentials/credential-types.js';
import type { MachineDefinition } from '../../engine/definition.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import type { CredentialTypes } from '../../repositories/credential-repository.js';
import type { FlowTypes } from '../../repositories/flow-repository.js';
import type { AuthenticationRequest, LoginVerdict } from '../session/post-login.js';
import type { RegisteredPasskey, RelyingParty } from './ceremonies.js';
import type { StoredCredential } from '../../credentials/strategy.js';

// The two passkey machines as the runner sees them: a WebAuthn ceremony (a flow row: one per
// `webauthn_session_id`) and a registered passkey (a credential row). Never a secret or key in a
// logged field: the browser's result travels with the request to the effect that verifies it; the
// events carry verdicts, counters and the credential's key (a hash of its id).

/** A browser's result as the use case hands it to the verifying effect, with the facts it loaded. */
type SubmittedResult =
  | {
      readonly ceremony: 'registration';
      readonly credential: RegistrationResponseJSON;
      /** Whether the credential is registered in the app already, and whether the username's
       * passkeys belong to another user. */
      readonly taken: { readonly credential: boolean; readonly username: boolean };
    }
  | {
      readonly ceremony: 'authentication';
      /** The encoded result, as the passkey strategy verifies it. */
      readonly encoded: string;
      /** The passkey the assertion names, if the app has it live: its row and its counter. */
      readonly passkey: { readonly stored: StoredCredential; readonly counter: number; readonly credentialKey: string } | null;
      /** Whether the assertion's user handle, when it carries one, is the passkey's. */
      readonly userHandleMatches: boolean;
    };

interface CeremonyRequest {
  readonly app: AppRecord;
  readonly rp?: RelyingParty;
  /** Only on `webauthn.submit`. */
  readonly result?: SubmittedResult;
}

export interface WebauthnTypes extends FlowTypes {
  readonly input: WebauthnInput;
  readonly context: WebauthnContext;
  readonly event: WebauthnEvent;
  readonly effects: WebauthnEffects;
  readonly state: WebauthnState;
  readonly request: CeremonyRequest;
  readonly outputs: {
    /** A verified registration's passkey (its public key lives only in this request and the row). */
    readonly verifyCeremony: RegisteredPasskey | null;
    readonly registerPasskey: RegisteredPasskey;
  };
}

export const webauthnDefinition: MachineDefinition<WebauthnTypes> = {
  name: 'webauthn',
  machine: webauthnMachine,
  version: 1,
  effects: WEBAUTHN_EFFECTS,
  logged: {
    'webauthn.submit': [],
    'webauthn.attested': ['credentialKey', 'counter', 'userVerified', 'aaguid', 'attachment'],
    'webauthn.asserted': ['credentialKey', 'counter', 'userVerified'],
    'webauthn.rejected': ['reason'],
    'webauthn.unknownCredential': [],
    'webauthn.duplicateCredential': [],
    'webauthn.usernameTaken': [],
    'webauthn.concluded': ['outcome'],
  },
  answers: webauthnAnswers,
  context: contextSchema(WebauthnContextShape),
  input: schemaCheck(WebauthnInputShape),
};

export interface PasskeyTypes extends CredentialTypes {
  readonly input: PasskeyInput;
  readonly context: PasskeyContext;
  readonly event: PasskeyEvent;
  readonly effects: PasskeyEffects;
  readonly state: PasskeyState;
  readonly request: CredentialRequest<AuthenticationRequest>;
  readonly outputs: { readonly recordAuthentication: LoginVerdict };
}

export const passkeyDefinition: MachineDefinition<PasskeyTypes> = {
  name: 'passkey',
  machine: passkeyMachine,
  version: 1,
  effects: PASSKEY_EFFECTS,
  logged: {
    'passkey.assert': ['counter', 'session', 'userStatus', 'resource', 'allowedResources'],
    'passkey.revoke': [],
  },
  answers: passkeyAnswers,
  context: contextSchema(PasskeyContextShape),
  input: schemaCheck(PasskeyInputShape),
};
