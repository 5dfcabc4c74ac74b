// Keystate's passkey helper for the browser (issue 18), served as GET /cis/v1/webauthn/client.js.
// An app's page imports it, hands it the options its backend got from Keystate's */start calls,
// and posts the string it returns to its backend as `webauthn_encoded_result`. One file, no build
// step, no dependency: it runs as the server serves it, from any origin (the route sends CORS).
//
// `webauthn_encoded_result` (src/flows/webauthn/encoded-result.ts is the contract): standard,
// padded base64 of the UTF-8 JSON of the credential's toJSON() form (WebAuthn L3
// RegistrationResponseJSON / AuthenticationResponseJSON, binary fields base64url).
//
// Errors are the browser's own: a DOMException (NotAllowedError when the user cancels or no
// authenticator answers, AbortError when the signal fires, InvalidStateError when the device
// already holds an excluded credential) goes to the caller unchanged, so an app can tell them apart.

/**
 * @typedef {Record<string, any>} CreationOptionsJSON PublicKeyCredentialCreationOptionsJSON, as Keystate sends it
 * @typedef {Record<string, any>} RequestOptionsJSON PublicKeyCredentialRequestOptionsJSON, as Keystate sends it
 * @typedef {{ signal?: AbortSignal, mediation?: CredentialMediationRequirement }} AuthenticateOptions
 */

/** Whether this page can run passkey ceremonies: the API exists and the page is a secure context
 * (https:, or http://localhost), without which browsers hide or refuse navigator.credentials.
 * @returns {boolean} */
export function isSupported() {
  return globalThis.isSecureContext === true && typeof globalThis.PublicKeyCredential === 'function' && globalThis.navigator?.credentials !== undefined;
}

/** Creates a passkey for the options of POST /cis/v1/auth/webauthn/register/start.
 * @param {CreationOptionsJSON} creationOptionsJSON its `credential_creation_options`
 * @returns {Promise<string>} the `webauthn_encoded_result` of POST /cis/v1/auth/webauthn/register */
export async function register(creationOptionsJSON) {
  requireSupport();
  const credential = await navigator.credentials.create({ publicKey: creationOptions(creationOptionsJSON) });
  return encode(credentialJSON(credential, registrationResponse));
}

/** Signs in with a passkey for the options of POST /cis/v1/auth/webauthn/authenticate/start.
 * `mediation: 'conditional'` waits for the user to pick a passkey from the autofill of an input
 * marked `autocomplete="username webauthn"`; `signal` ends the wait (rejects with AbortError).
 * @param {RequestOptionsJSON} requestOptionsJSON its `credential_request_options`
 * @param {AuthenticateOptions} [options]
 * @returns {Promise<string>} the `webauthn_encoded_result` of POST /cis/v1/auth/webauthn/authenticate */
export async function authenticate(requestOptionsJSON, { signal, mediation } = {}) {
  requireSupport();
  // Only the members the caller gave: a browser may refuse an explicit `mediation: undefined`.
  const request = { publicKey: requestOptions(requestOptionsJSON), ...(signal === undefined ? {} : { signal }), ...(mediation === undefined ? {} : { mediation }) };
  const credential = await navigator.credentials.get(request);
  return encode(credentialJSON(credential, authenticationResponse));
}

/** A DOMException as the browser's own refusals are, so that callers check one kind of error. */
function requireSupport() {
  if (!isSupported()) throw new DOMException('Passkeys are not available on this page (a secure context with WebAuthn is needed)', 'NotSupportedError');
}

// Options: the browser's own parser where it has one (Chromium 129+, Firefox 119+, Safari 18.4+),
// since it also knows the fields added after this file was written; otherwise the binary fields
// the server sends are turned into bytes here, and everything else goes through as it is.

/** @param {CreationOptionsJSON} json */
function creationOptions(json) {
  if (typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function') return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  return { ...json, challenge: fromBase64url(json.challenge), user: { ...json.user, id: fromBase64url(json.user.id) }, excludeCredentials: descriptors(json.excludeCredentials) };
}

/** @param {RequestOptionsJSON} json */
function requestOptions(json) {
  if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function') return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  return { ...json, challenge: fromBase64url(json.challenge), allowCredentials: descriptors(json.allowCredentials) };
}

/** @param {{ id: string }[] | undefined} list */
const descriptors = (list) => (list ?? []).map((descriptor) => ({ ...descriptor, id: fromBase64url(descriptor.id) }));

// Results: the credential's toJSON() where the browser has it; otherwise the same JSON form built
// from the credential's parts (the fields encoded-result.ts reads, nothing of our own).

/** @param {any} credential @param {(response: any) => Record<string, unknown>} response */
function credentialJSON(credential, response) {
  // create/get resolve with null only when no credential type was asked for; this file always asks.
  if (credential === null) throw new DOMException('The browser returned no credential', 'NotAllowedError');
  if (typeof credential.toJSON === 'function') return credential.toJSON();
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment ?? null,
    // Extension outputs are plain values for the extensions Keystate asks for (credProps).
    clientExtensionResults: credential.getClientExtensionResults(),
    response: response(credential.response),
  };
}

/** AuthenticatorAttestationResponse's JSON form; its getters are missing in the oldest browsers. */
function registrationResponse(response) {
  const publicKey = response.getPublicKey?.() ?? null;
  return {
    clientDataJSON: toBase64url(response.clientDataJSON),
    attestationObject: toBase64url(response.attestationObject),
    ...(response.getAuthenticatorData ? { authenticatorData: toBase64url(response.getAuthenticatorData()) } : {}),
    ...(response.getTransports ? { transports: response.getTransports() } : {}),
    ...(response.getPublicKeyAlgorithm ? { publicKeyAlgorithm: response.getPublicKeyAlgorithm() } : {}),
    ...(publicKey === null ? {} : { publicKey: toBase64url(publicKey) }),
  };
}

/** AuthenticatorAssertionResponse's JSON form; userHandle is null for a non-discoverable credential. */
function authenticationResponse(response) {
  return {
    clientDataJSON: toBase64url(response.clientDataJSON),
    authenticatorData: toBase64url(response.authenticatorData),
    signature: toBase64url(response.signature),
    userHandle: response.userHandle ? toBase64url(response.userHandle) : null,
  };
}

// Encodings. btoa/atob take "binary strings" (one char per byte): the bytes go through them so
// that non-ASCII text in the JSON (a display name) is UTF-8, as the server decodes it.

/** `webauthn_encoded_result`: standard, padded base64 of the JSON's UTF-8 bytes. */
const encode = (json) => btoa(binaryString(new TextEncoder().encode(JSON.stringify(json))));

/** @param {ArrayBuffer | ArrayBufferView} buffer */
const toBase64url = (buffer) =>
  btoa(binaryString(bytesOf(buffer)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** @param {string} text base64url, unpadded (WebAuthn's JSON forms) */
function fromBase64url(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** @param {ArrayBuffer | ArrayBufferView} buffer */
const bytesOf = (buffer) => (ArrayBuffer.isView(buffer) ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : new Uint8Array(buffer));

/** One char per byte, in slices: String.fromCharCode(...all) overflows the stack on large inputs. */
function binaryString(bytes) {
  let text = '';
  for (let at = 0; at < bytes.length; at += 0x8000) text += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return text;
}
