import type { EventInput, RegisteredMachine } from '../../engine/definition.js';
import { credentialStore } from '../../repositories/credential-repository.js';
import { flowStore } from '../../repositories/flow-repository.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import type { Provider } from '../../storage/database-url.js';
import { recordAuthenticationHandler } from '../session/post-login.js';
import { type AuthenticationVerdict, type ChallengeMatch, type RegistrationVerdict, verifyRegistration } from './ceremonies.js';
import { type PasskeyTypes, passkeyDefinition, type WebauthnTypes, webauthnDefinition } from './definition.js';
import { credentialKeyOf, type PasskeyStrategy, passkeyStrategy } from './strategy.js';

// Passkeys as the runner runs them: the WebAuthn ceremony (a flow row per `webauthn_session_id`,
// found by its challenge's HMAC) and the passkey (a credential row per registered authenticator
// credential). The ceremony's one inline effect verifies the browser's result with the maintained
// library (CPU only: one signature check) and reports the verdict as an event; the facts it needs
// (the passkey an assertion names, whether a registration's credential or username is taken) were
// loaded by the use case and travel with the request.

export type WebauthnCeremonies = RegisteredMachine<WebauthnTypes>;
export type Passkeys = RegisteredMachine<PasskeyTypes> & { readonly strategy: PasskeyStrategy };

type CeremonyEvent = EventInput<WebauthnTypes>;

/** A refused result, with the reason the ceremony machine names (a challenge that is not the
 * ceremony's cannot reach here: the ceremony was found by it; it is a malformed result). */
function rejected(verdict: Exclude<RegistrationVerdict | AuthenticationVerdict, { readonly verified: true }>): CeremonyEvent {
  const reason = verdict.reason === 'challenge' || verdict.reason === 'counter' ? 'format' : verdict.reason;
  return { type: 'webauthn.rejected', reason };
}

export function createWebauthnCeremonies(deps: { hasher: SecretHasher; provider: Provider }): WebauthnCeremonies {
  return {
    definition: webauthnDefinition,
    store: flowStore(webauthnDefinition, 'webauthn', deps.provider),
    handlers: {
      verifyCeremony: {
        phase: 'inline',
        async run(_params, { row, request }) {
          const { rp, result } = request;
          const secretHash = row?.secretHash ?? null;
          if (rp === undefined || result === undefined || secretHash === null) throw new Error('verifyCeremony needs the relying party, the result and the ceremony row');
          const challenge: ChallengeMatch = (presented) => deps.hasher.matches(presented, secretHash);
          if (result.ceremony === 'registration') {
            const verdict = await verifyRegistration(rp, result.credential, challenge);
            if (!verdict.verified) return { event: rejected(verdict), output: null };
            // Judged once the result is known genuine: a forged one is refused as forged.
            if (result.taken.credential) return { event: { type: 'webauthn.duplicateCredential' }, output: null };
            if (result.taken.username) return { event: { type: 'webauthn.usernameTaken' }, output: null };
            const { passkey } = verdict;
            const event: CeremonyEvent = {
              type: 'webauthn.attested',
              credentialKey: credentialKeyOf(passkey.credentialId),
              counter: passkey.counter,
              userVerified: passkey.userVerified,
              aaguid: passkey.aaguid,
              attachment: passkey.attachment,
            };
            return { event, output: passkey };
          }
          if (result.passkey === null) return { event: { type: 'webauthn.unknownCredential' }, output: null };
          const { stored, counter, credentialKey } = result.passkey;
          const verdict = await passkeyStrategy.verify(stored, result.encoded, { rp, challenge, counter });
          // A genuine signature whose counter went backwards is asserted as it is: the passkey
          // machine names the possible clone (a state of its own, in its log).
          if (verdict.verified || verdict.reason === 'counter') {
            // The user handle a discoverable passkey answers with must be the one it was created under.
            if (!result.userHandleMatches) return { event: { type: 'webauthn.rejected', reason: 'format' }, output: null };
            return { event: { type: 'webauthn.asserted', credentialKey, counter: verdict.counter, userVerified: verdict.userVerified }, output: null };
          }
          return { event: rejected(verdict), output: null };
        },
      },
      registerPasskey: {
        phase: 'inline',
        run(_params, { outputs }) {
          const passkey = outputs.verifyCeremony ?? null;
          if (passkey === null) throw new Error('registerPasskey follows a verified registration');
          return { output: passkey };
        },
      },
    },
  };
}

export function createPasskeys(deps: { provider: Provider }): Passkeys {
  return {
    definition: passkeyDefinition,
    store: credentialStore(passkeyDefinition, 'passkey', deps.provider),
    strategy: passkeyStrategy,
    handlers: {
      forgetPublicKey: {
        phase: 'inline',
        run: (_params, { instanceId, row }) => (row === null ? undefined : { patch: passkeyStrategy.revoke({ id: instanceId, ...row }) }),
      },
      recordAuthentication: recordAuthenticationHandler<PasskeyTypes>(),
    },
  };
}
