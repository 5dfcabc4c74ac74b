import { generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  AuthenticatorSelectionCriteria,
  AuthenticatorTransportFuture,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialDescriptorJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { ALG_ES256, aaguidBytes, authenticatorData, clientDataJSON, noneAttestationObject, signedBytes } from './soft-authenticator-data.js';

// A WebAuthn authenticator in software, with the browser's client-data step, so that API tests
// register and log in with passkeys without a browser (issue 18; the browser tests use Chromium's
// virtual authenticator, test/helpers/webauthn.ts). It answers with what
// PublicKeyCredential.toJSON() gives: ES256 (P-256) keys from node:crypto, attestation 'none'.
// It is also an attacker's tool: it signs for any origin and rp id it is handed (a browser would
// refuse a page whose origin is not on the rp id), it can rewind a counter or be cloned, and user
// verification can be switched off; the server's checks are what such tests prove.

export interface SoftAuthenticatorOptions {
  /** Whether the user passes verification (flag UV); it can change later (setUserVerification). */
  readonly userVerification?: boolean;
  /** A platform authenticator (Touch ID, Windows Hello) or a roaming one (a security key). */
  readonly attachment?: 'platform' | 'cross-platform';
  /** How much each signature moves a credential's counter; 0 keeps none (it stays 0 for ever, as
   * passkeys synced between devices do). */
  readonly counterStep?: number;
  /** The AAGUID it claims (UUID text); all zeros by default. */
  readonly aaguid?: string;
}

/** A credential as a test sees it: never its private key. */
export interface SoftCredential {
  /** Credential id, base64url. */
  readonly id: string;
  readonly rpId: string;
  /** The user handle registration gave it (`user.id` of the options), base64url. */
  readonly userHandle: string;
  readonly counter: number;
  /** Whether it is found without allowCredentials (a resident key: usernameless login). */
  readonly discoverable: boolean;
}

interface HeldCredential extends SoftCredential {
  readonly privateKey: KeyObject;
  counter: number;
}

/** Extra fields of `webauthn_encoded_result` beside the credential (src/flows/webauthn/encoded-result.ts). */
export interface EncodeExtra {
  readonly webauthn_session_id?: string;
}

export interface SoftAuthenticator {
  /** navigator.credentials.create() on `origin`'s page; throws an Error named 'InvalidStateError'
   * when it holds one of `excludeCredentials` for the rp, 'NotSupportedError' when ES256 is not offered. */
  register(creationOptions: PublicKeyCredentialCreationOptionsJSON, origin: string): RegistrationResponseJSON;
  /** navigator.credentials.get() on `origin`'s page: with the credential of allowCredentials, or a
   * discoverable one when it is empty (the first registered, or `pick.credentialId`); throws an
   * Error named 'NotAllowedError' when it holds none. */
  authenticate(requestOptions: PublicKeyCredentialRequestOptionsJSON, origin: string, pick?: { readonly credentialId?: string }): AuthenticationResponseJSON;
  /** Snapshots of the credentials it holds, with their counters. */
  credentials(): SoftCredential[];
  /** Sets a credential's counter: a lower one is what a cloned authenticator signs with. */
  setCounter(credentialId: string, counter: number): void;
  setUserVerification(verified: boolean): void;
  /** A second authenticator holding copies of the same credentials (same keys, same counters). */
  clone(): SoftAuthenticator;
  /** The `webauthn_encoded_result` of a response (see encodeResult). */
  encode(response: RegistrationResponseJSON | AuthenticationResponseJSON, extra?: EncodeExtra): string;
}

/** The largest sign counter: authenticator data carries it in 32 bits. */
const MAX_COUNTER = 0xffff_ffff;
/** Credential ids of 32 random bytes, as many security keys make them (the spec allows 16 to 1023). */
const CREDENTIAL_ID_BYTES = 32;

/** An error as the browser's DOMException names it, so tests read it as a page's script would. */
function browserError(name: 'InvalidStateError' | 'NotAllowedError' | 'NotSupportedError', message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** `webauthn_encoded_result`: standard, padded base64 of the UTF-8 JSON of the response, with
 * `webauthn_session_id` beside its fields when given (the contract is encoded-result.ts's schema). */
export function encodeResult(response: RegistrationResponseJSON | AuthenticationResponseJSON, extra: EncodeExtra = {}): string {
  const value = extra.webauthn_session_id === undefined ? response : { ...response, webauthn_session_id: extra.webauthn_session_id };
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

/** The rp id a ceremony is for: the options', or (as the browser defaults it) the page's host. */
const rpIdOf = (declared: string | undefined, origin: string): string => declared ?? new URL(origin).hostname;

/** Whether registration keeps a discoverable credential: when the rp asks for one or prefers it
 * (an authenticator that can keep one does); 'discouraged', the default, gets a server-side one. */
function isDiscoverable(selection: AuthenticatorSelectionCriteria | undefined): boolean {
  const residentKey = selection?.residentKey ?? (selection?.requireResidentKey === true ? 'required' : 'discouraged');
  return residentKey !== 'discouraged';
}

function checkedCounter(counter: number): number {
  if (!Number.isInteger(counter) || counter < 0 || counter > MAX_COUNTER) throw new RangeError(`a sign counter is an integer in 0..${MAX_COUNTER}, got ${counter}`);
  return counter;
}

/** The credential an assertion signs with, or NotAllowedError (the browser's answer when none fits). */
function pickCredential(held: readonly HeldCredential[], rpId: string, allow: readonly PublicKeyCredentialDescriptorJSON[], wanted: string | undefined): HeldCredential {
  const allowed = new Set(allow.map((descriptor) => descriptor.id));
  const candidates = held.filter((credential) => credential.rpId === rpId && (allowed.size > 0 ? allowed.has(credential.id) : credential.discoverable));
  const chosen = wanted === undefined ? candidates[0] : candidates.find((credential) => credential.id === wanted);
  if (chosen === undefined) throw browserError('NotAllowedError', `no credential of this authenticator fits rp ${rpId}${wanted === undefined ? '' : ` and id ${wanted}`}`);
  return chosen;
}

interface State {
  readonly aaguid: Buffer;
  readonly attachment: 'platform' | 'cross-platform';
  readonly counterStep: number;
  userVerification: boolean;
  /** In registration order: the first discoverable one answers a usernameless login. */
  readonly held: HeldCredential[];
}

export function createSoftAuthenticator(options: SoftAuthenticatorOptions = {}): SoftAuthenticator {
  const counterStep = options.counterStep ?? 1;
  if (!Number.isInteger(counterStep) || counterStep < 0) throw new RangeError(`counterStep is a non-negative integer, got ${counterStep}`);
  return authenticatorOf({
    aaguid: aaguidBytes(options.aaguid),
    attachment: options.attachment ?? 'platform',
    counterStep,
    userVerification: options.userVerification ?? true,
    held: [],
  });
}

/** One signature's counter: moved by the step (0 stays 0). */
function bump(state: State, credential: HeldCredential): number {
  credential.counter = checkedCounter(credential.counter + state.counterStep);
  return credential.counter;
}

function register(state: State, creation: PublicKeyCredentialCreationOptionsJSON, origin: string): RegistrationResponseJSON {
  const rpId = rpIdOf(creation.rp.id, origin);
  // An empty list means the browser's defaults, which include ES256.
  if (creation.pubKeyCredParams.length > 0 && !creation.pubKeyCredParams.some((param) => param.alg === ALG_ES256)) {
    throw browserError('NotSupportedError', 'the options offer no algorithm this authenticator has (ES256)');
  }
  const excluded = new Set((creation.excludeCredentials ?? []).map((descriptor) => descriptor.id));
  if (state.held.some((credential) => credential.rpId === rpId && excluded.has(credential.id))) {
    throw browserError('InvalidStateError', `this authenticator already holds a credential excluded for rp ${rpId}`);
  }
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const credentialId = randomBytes(CREDENTIAL_ID_BYTES);
  const credential: HeldCredential = {
    id: credentialId.toString('base64url'),
    rpId,
    userHandle: creation.user.id,
    counter: 0,
    discoverable: isDiscoverable(creation.authenticatorSelection),
    privateKey,
  };
  const authData = authenticatorData(rpId, state.userVerification, bump(state, credential), { aaguid: state.aaguid, credentialId, publicKey });
  const attestationObject = noneAttestationObject(authData);
  // A new discoverable credential of the same account replaces the old one (CTAP 2.1 makeCredential).
  const replaced = state.held.findIndex((held) => credential.discoverable && held.discoverable && held.rpId === rpId && held.userHandle === credential.userHandle);
  if (replaced >= 0) state.held.splice(replaced, 1);
  state.held.push(credential);
  const transports: AuthenticatorTransportFuture[] = state.attachment === 'platform' ? ['internal'] : ['usb'];
  return {
    id: credential.id,
    rawId: credential.id,
    type: 'public-key',
    response: {
      clientDataJSON: clientDataJSON('webauthn.create', creation.challenge, origin).toString('base64url'),
      attestationObject: Buffer.from(attestationObject).toString('base64url'),
      authenticatorData: authData.toString('base64url'),
      transports,
      publicKeyAlgorithm: ALG_ES256,
      publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64url'),
    },
    authenticatorAttachment: state.attachment,
    clientExtensionResults: {},
  };
}

function authenticate(state: State, request: PublicKeyCredentialRequestOptionsJSON, origin: string, wanted: string | undefined): AuthenticationResponseJSON {
  const rpId = rpIdOf(request.rpId, origin);
  const credential = pickCredential(state.held, rpId, request.allowCredentials ?? [], wanted);
  const authData = authenticatorData(rpId, state.userVerification, bump(state, credential));
  const clientData = clientDataJSON('webauthn.get', request.challenge, origin);
  // ES256 as WebAuthn carries it: ECDSA over SHA-256, the signature DER-encoded (node's default).
  const signature = sign('sha256', signedBytes(authData, clientData), credential.privateKey);
  return {
    id: credential.id,
    rawId: credential.id,
    type: 'public-key',
    response: {
      clientDataJSON: clientData.toString('base64url'),
      authenticatorData: authData.toString('base64url'),
      signature: signature.toString('base64url'),
      // A discoverable credential knows its user (usernameless login needs it); a server-side one does not.
      ...(credential.discoverable ? { userHandle: credential.userHandle } : {}),
    },
    authenticatorAttachment: state.attachment,
    clientExtensionResults: {},
  };
}

function authenticatorOf(state: State): SoftAuthenticator {
  return {
    register: (creation, origin) => register(state, creation, origin),
    authenticate: (request, origin, pick) => authenticate(state, request, origin, pick?.credentialId),
    credentials: () => state.held.map(({ id, rpId, userHandle, counter, discoverable }) => ({ id, rpId, userHandle, counter, discoverable })),
    setCounter(credentialId, counter) {
      const credential = state.held.find((held) => held.id === credentialId);
      if (credential === undefined) throw new Error(`this authenticator holds no credential ${credentialId}`);
      credential.counter = checkedCounter(counter);
    },
    setUserVerification(verified) {
      state.userVerification = verified;
    },
    // Key objects are immutable and shared; the counters are copied, so the two then diverge.
    clone: () => authenticatorOf({ ...state, held: state.held.map((credential) => ({ ...credential })) }),
    encode: encodeResult,
  };
}
