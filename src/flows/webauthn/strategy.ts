import { createHash } from 'node:crypto';
import { Type } from 'typebox';
import type { AuthMethod } from '../../../machines/shared/events.js';
import type { CredentialStrategy, StoredCredential } from '../../credentials/strategy.js';
import { reader } from '../../repositories/row-reader.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import { type AuthenticationVerdict, type ChallengeMatch, type RegisteredPasskey, type RelyingParty, verifyAuthentication } from './ceremonies.js';
import { decodeAuthenticationResult, isTransport } from './encoded-result.js';

// Passkeys as a kind of credential, beside passwords and authenticator apps: what a verified
// registration leaves in the row (the COSE public key as the row's "secret": no secret, but what
// proves, so never logged, and forgotten at revocation), how an assertion is checked against it
// (by the maintained library, ./ceremonies.ts), and the amr method a login proves. The signature
// counter is no part of the row: the passkey machine keeps it in its context, in the log.

export const WEBAUTHN_METHOD: AuthMethod = 'webauthn';

/** A verified registration, with the username and user handle it was made under. */
interface PasskeyEnrollment {
  readonly passkey: RegisteredPasskey;
  readonly webauthnUsername: string;
  readonly userHandle: string;
  readonly rpId: string;
}

/** What an assertion is checked with besides the row: the app's relying party, the ceremony's
 * challenge (by its HMAC) and the counter the passkey machine holds. */
interface AssertionCheck {
  readonly rp: RelyingParty;
  readonly challenge: ChallengeMatch;
  readonly counter: number;
}

export type PasskeyStrategy = CredentialStrategy<PasskeyEnrollment, null, AssertionCheck, AuthenticationVerdict>;

// Checked at each read: the column is every credential kind's, typed as a plain record.
const passkeyParams = reader(
  'credential',
  'passkey params',
  Type.Object({
    credentialId: Type.String(),
    rpId: Type.String(),
    webauthnUsername: Type.String(),
    userHandle: Type.String(),
    transports: Type.Array(Type.String()),
    aaguid: Type.String(),
    attachment: Type.Union([Type.Literal('platform'), Type.Literal('cross-platform'), Type.Null()]),
    deviceType: Type.String(),
    backedUp: Type.Boolean(),
  }),
);

/** What the row keeps of a passkey besides its public key (written by `enroll`). */
export function storedPasskeyParams(stored: Pick<StoredCredential, 'params'>) {
  const params = passkeyParams.one(stored.params);
  return { ...params, transports: params.transports.filter(isTransport) };
}

/** The key a passkey's row is found by: a hash of its credential id (ids are public, but a hash
 * keeps their length and alphabet out of the unique index). */
export const credentialKeyOf = (credentialId: string): string => createHash('sha256').update(credentialId, 'utf8').digest('base64url');

/** The WebAuthn user handle of a username in an app (base64url of 32 bytes): a keyed hash, so it
 * names no user id or address, tells nothing across apps, and is the same however often a
 * registration for that username starts (a handle that changed would tell a taken name apart). */
export const userHandleOf = (hasher: SecretHasher, appId: string, username: string): string => hasher.hash(userHandleInput(appId, username));
/** Every handle the username's passkeys may be kept under (one per key of the HMAC ring). */
export const userHandleCandidates = (hasher: SecretHasher, appId: string, username: string): string[] => hasher.candidates(userHandleInput(appId, username));
const userHandleInput = (appId: string, username: string) => `webauthn-user-handle:${appId}:${username}`;

export const passkeyStrategy: PasskeyStrategy = {
  kind: 'passkey',
  method: WEBAUTHN_METHOD,
  async enroll(_credentialId, { passkey, webauthnUsername, userHandle, rpId }) {
    const params = {
      credentialId: passkey.credentialId,
      rpId,
      webauthnUsername,
      userHandle,
      transports: [...passkey.transports],
      aaguid: passkey.aaguid,
      attachment: passkey.attachment,
      deviceType: passkey.deviceType,
      backedUp: passkey.backedUp,
    };
    return { secret: passkey.publicKey, params, reveal: null };
  },
  async verify(stored, encodedResult, { rp, challenge, counter }) {
    const { credential } = decodeAuthenticationResult(encodedResult);
    const params = storedPasskeyParams(stored);
    return verifyAuthentication(rp, credential, { credentialId: params.credentialId, publicKey: stored.secret, counter, transports: params.transports }, challenge);
  },
  revoke: () => ({ secret: '' }),
};
