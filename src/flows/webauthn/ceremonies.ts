import type {
  AuthenticationResponseJSON,
  AuthenticatorTransportFuture,
  CredentialDeviceType,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
  Uint8Array_,
} from '@simplewebauthn/server';
import type { ParsedAuthenticatorData } from '@simplewebauthn/server/helpers';
import { isCounterRegressed } from '../../../machines/passkey.machine.js';
import type { RelyingParty as DeclaredRelyingParty } from '../../model/relying-party.js';
import { readClientData } from './encoded-result.js';

// The WebAuthn ceremonies of one app's relying party, over @simplewebauthn/server (never our own
// CBOR/COSE): options to hand to the browser, and the verification of what it answers, as a small
// verdict. Pure functions of their inputs (the caller brings the challenge bytes and the stored
// credential): no clock, no randomness, no I/O. Before the library runs, the checks whose failure
// the caller answers differently (origin, rp id, challenge, user verification) are made here with
// the library's own parsers, so a rejection names its reason instead of being guessed from an
// exception's text; what the library refuses after them is a bad signature or a malformed result.

/** The library, loaded at the first ceremony: with the X.509 and ASN.1 parsers it brings for
 * attestation certificates it costs a process about 27 MB and 0.3-0.7 s to import (measured on
 * Node 20), which a server whose apps use no passkeys never pays (as Argon2 and qrcode). */
let loaded: Promise<[typeof import('@simplewebauthn/server'), typeof import('@simplewebauthn/server/helpers')]> | null = null;
const library = () => (loaded ??= Promise.all([import('@simplewebauthn/server'), import('@simplewebauthn/server/helpers')]));

/** One app's relying party as a ceremony needs it: the RP id and origins the app declared
 * (`app.webauthn`, src/model/relying-party.ts), with the name the browser shows and the app's
 * user-verification preference. */
export interface RelyingParty extends Readonly<DeclaredRelyingParty> {
  /** Shown by the browser when it asks the user (the app's name by default). */
  readonly rpName: string;
  readonly userVerification: 'required' | 'preferred' | 'discouraged';
}

/** Why a result was refused. 'counter': genuine, but its sign counter did not move past the stored
 * one (a cloned authenticator?): the passkey machine judges it, this module only tells it apart. */
type RejectionReason = 'origin' | 'rpId' | 'challenge' | 'signature' | 'format' | 'userVerification' | 'counter';

/** Whether a challenge is the one the ceremony issued: the caller compares its HMAC with the
 * ceremony's stored hash (the challenge itself is never stored). */
export type ChallengeMatch = (challenge: string) => boolean;

/** The credential, as stored, that an assertion must be signed by. */
export interface StoredPasskey {
  readonly credentialId: string;
  /** COSE public key, base64url. */
  readonly publicKey: string;
  readonly counter: number;
  readonly transports?: readonly AuthenticatorTransportFuture[];
}

export interface RegisteredPasskey extends StoredPasskey {
  readonly transports: readonly AuthenticatorTransportFuture[];
  readonly aaguid: string;
  readonly attachment: 'platform' | 'cross-platform' | null;
  readonly deviceType: CredentialDeviceType;
  readonly backedUp: boolean;
  readonly userVerified: boolean;
}

export type RegistrationVerdict = { readonly verified: true; readonly passkey: RegisteredPasskey } | { readonly verified: false; readonly reason: Exclude<RejectionReason, 'counter'> };

export type AuthenticationVerdict =
  | { readonly verified: true; readonly counter: number; readonly userVerified: boolean; readonly deviceType: CredentialDeviceType; readonly backedUp: boolean }
  | { readonly verified: false; readonly reason: 'counter'; readonly counter: number; readonly userVerified: boolean }
  | { readonly verified: false; readonly reason: Exclude<RejectionReason, 'counter'> };

const transportsField = (transports: readonly AuthenticatorTransportFuture[] | undefined) => (transports === undefined ? {} : { transports: [...transports] });

/** Creation options (WebAuthn L3 JSON) for `navigator.credentials.create`. */
export async function registrationOptions(
  rp: RelyingParty,
  request: {
    readonly userName: string;
    readonly userDisplayName: string;
    /** Random bytes per (app, webauthn username), never the user id or an address (note §2). */
    readonly userHandle: Uint8Array;
    readonly challenge: Uint8Array;
    readonly timeoutMs: number;
    /** The user's live passkeys, when one device may hold only one of them. */
    readonly excludeCredentials?: readonly { readonly id: string; readonly transports?: readonly AuthenticatorTransportFuture[] }[];
  },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const [{ generateRegistrationOptions }] = await library();
  return generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpId,
    userName: request.userName,
    userDisplayName: request.userDisplayName,
    // Copies: the library's byte type is backed by an ArrayBuffer, not any ArrayBufferLike.
    userID: Uint8Array.from(request.userHandle),
    challenge: Uint8Array.from(request.challenge),
    timeout: request.timeoutMs,
    attestationType: 'none',
    excludeCredentials: (request.excludeCredentials ?? []).map((credential) => ({ id: credential.id, ...transportsField(credential.transports) })),
    // A discoverable credential where the authenticator can keep one: usernameless login needs it.
    authenticatorSelection: { residentKey: 'preferred', userVerification: rp.userVerification },
  });
}

/** Request options (WebAuthn L3 JSON) for `navigator.credentials.get`; no allowed credentials
 * means any discoverable passkey of the rp (usernameless login). */
export async function authenticationOptions(
  rp: RelyingParty,
  request: {
    readonly challenge: Uint8Array;
    readonly timeoutMs: number;
    readonly allowCredentials?: readonly { readonly id: string; readonly transports?: readonly AuthenticatorTransportFuture[] }[];
  },
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const [{ generateAuthenticationOptions }] = await library();
  return generateAuthenticationOptions({
    rpID: rp.rpId,
    challenge: Uint8Array.from(request.challenge),
    timeout: request.timeoutMs,
    userVerification: rp.userVerification,
    allowCredentials: (request.allowCredentials ?? []).map((credential) => ({ id: credential.id, ...transportsField(credential.transports) })),
  });
}

type PreCheck = { readonly ok: true; readonly authData: ParsedAuthenticatorData } | { readonly ok: false; readonly reason: Exclude<RejectionReason, 'counter' | 'signature'> };

/** The checks made before the library's, in the order a browser's mistakes are most telling. */
async function preCheck(rp: RelyingParty, type: 'webauthn.create' | 'webauthn.get', clientDataJSON: string, authData: () => Uint8Array_, expectedChallenge: ChallengeMatch): Promise<PreCheck> {
  const [, { isoUint8Array, parseAuthenticatorData, toHash }] = await library();
  const clientData = readClientData(clientDataJSON);
  if (clientData === undefined || clientData.type !== type) return { ok: false, reason: 'format' };
  if (!rp.origins.includes(clientData.origin)) return { ok: false, reason: 'origin' };
  let parsed: ParsedAuthenticatorData;
  try {
    parsed = parseAuthenticatorData(authData());
  } catch {
    return { ok: false, reason: 'format' };
  }
  if (!isoUint8Array.areEqual(parsed.rpIdHash, await toHash(isoUint8Array.fromUTF8String(rp.rpId)))) return { ok: false, reason: 'rpId' };
  if (!expectedChallenge(clientData.challenge)) return { ok: false, reason: 'challenge' };
  if (rp.userVerification === 'required' && !parsed.flags.uv) return { ok: false, reason: 'userVerification' };
  return { ok: true, authData: parsed };
}

/** Options of both verify calls: what the pre-checks already hold, handed to the library again. */
const expected = (rp: RelyingParty, expectedChallenge: ChallengeMatch) => ({
  expectedChallenge,
  expectedOrigin: [...rp.origins],
  expectedRPID: [rp.rpId],
  requireUserVerification: rp.userVerification === 'required',
});

/** Verifies a registration (attestation `none` or self-attested). */
export async function verifyRegistration(rp: RelyingParty, response: RegistrationResponseJSON, expectedChallenge: ChallengeMatch): Promise<RegistrationVerdict> {
  const [{ verifyRegistrationResponse }, { decodeAttestationObject, isoBase64URL }] = await library();
  const authData = () => decodeAttestationObject(isoBase64URL.toBuffer(response.response.attestationObject)).get('authData');
  const checked = await preCheck(rp, 'webauthn.create', response.response.clientDataJSON, authData, expectedChallenge);
  if (!checked.ok) return { verified: false, reason: checked.reason };
  let result: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    result = await verifyRegistrationResponse({ response, ...expected(rp, expectedChallenge), expectedType: 'webauthn.create' });
  } catch {
    // Past the pre-checks the library refuses a result it cannot read (no public key, an
    // unsupported algorithm or attestation format): never its message, only the reason.
    return { verified: false, reason: 'format' };
  }
  if (!result.verified) return { verified: false, reason: 'signature' };
  const info = result.registrationInfo;
  return {
    verified: true,
    passkey: {
      credentialId: info.credential.id,
      publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
      counter: info.credential.counter,
      transports: info.credential.transports ?? [],
      aaguid: info.aaguid,
      attachment: response.authenticatorAttachment ?? null,
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      userVerified: info.userVerified,
    },
  };
}

/** Verifies an assertion by the stored passkey. The stored counter goes to the library as it is;
 * when the library refuses a counter that regressed, the assertion is verified once more with the
 * counter check neutral (0), so that only a genuine signature is named 'counter': a forged
 * assertion with a low counter must not suspend someone's passkey. */
export async function verifyAuthentication(rp: RelyingParty, response: AuthenticationResponseJSON, passkey: StoredPasskey, expectedChallenge: ChallengeMatch): Promise<AuthenticationVerdict> {
  if (response.id !== passkey.credentialId || response.rawId !== passkey.credentialId) return { verified: false, reason: 'format' };
  const [{ verifyAuthenticationResponse }, { isoBase64URL }] = await library();
  const authData = () => isoBase64URL.toBuffer(response.response.authenticatorData);
  const checked = await preCheck(rp, 'webauthn.get', response.response.clientDataJSON, authData, expectedChallenge);
  if (!checked.ok) return { verified: false, reason: checked.reason };
  const verify = (counter: number) =>
    verifyAuthenticationResponse({
      response,
      ...expected(rp, expectedChallenge),
      expectedType: 'webauthn.get',
      credential: { id: passkey.credentialId, publicKey: isoBase64URL.toBuffer(passkey.publicKey), counter, ...transportsField(passkey.transports) },
    });
  const { counter, flags } = checked.authData;
  try {
    const result = await verify(passkey.counter);
    if (!result.verified) return { verified: false, reason: 'signature' };
    const info = result.authenticationInfo;
    return { verified: true, counter: info.newCounter, userVerified: info.userVerified, deviceType: info.credentialDeviceType, backedUp: info.credentialBackedUp };
  } catch {
    // The passkey machine's rule (the library's too): only a counter it would call regressed is one.
    if (!isCounterRegressed(passkey.counter, counter)) return { verified: false, reason: 'format' };
  }
  const reason = await verify(0).then(
    (result) => (result.verified ? 'counter' : 'signature'),
    () => 'format' as const,
  );
  return reason === 'counter' ? { verified: false, reason, counter, userVerified: flags.uv } : { verified: false, reason };
}
