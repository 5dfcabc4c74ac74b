import type { AuthenticationResponseJSON, AuthenticatorTransportFuture, RegistrationResponseJSON } from '@simplewebauthn/server';
import { type Static, Type } from 'typebox';
import { schemaCheck } from '../../corrupt-row.js';
import { AuthError } from '../../errors.js';

// `webauthn_encoded_result`, our definition (Mosaic's SDK output is opaque, design note §1): the
// standard base64 (padded; base64url accepted too) of the UTF-8 JSON of the browser's
// `PublicKeyCredential.toJSON()`, optionally with a top-level `webauthn_session_id` beside the
// credential's fields. It is read here, strictly, before the library sees any of it: a size limit
// before decoding, a strict alphabet (Node's base64 decoder skips what it does not know), fatal
// UTF-8, then a schema of the fields the library reads. The objects stay open: browsers add fields
// to toJSON() over time, and a login must not break on the day one does; only known fields go on.

/** Longest encoded result read (a registration with a large attestation is a few KiB). */
export const MAX_ENCODED_RESULT_LENGTH = 64 * 1024;

/** Why an encoded result was refused (details.reason of WEBAUTHN_INVALID_RESULT). */
type InvalidReason = 'size' | 'encoding' | 'json' | 'shape';

const MESSAGES: Record<InvalidReason, string> = {
  size: `webauthn_encoded_result is longer than ${MAX_ENCODED_RESULT_LENGTH} characters`,
  encoding: 'webauthn_encoded_result is not base64 of UTF-8 text',
  json: 'webauthn_encoded_result is not base64 of a JSON object',
  shape: 'webauthn_encoded_result is not the JSON of a WebAuthn credential (PublicKeyCredential.toJSON())',
};

const invalid = (reason: InvalidReason) => new AuthError('WEBAUTHN_INVALID_RESULT', { message: MESSAGES[reason], details: { reason } });

/** Binary fields as WebAuthn's JSON forms carry them. */
const Base64Url = Type.String({ pattern: '^[A-Za-z0-9_-]*$', maxLength: MAX_ENCODED_RESULT_LENGTH });
const Attachment = Type.Union([Type.Literal('platform'), Type.Literal('cross-platform'), Type.Null()]);
const ExtensionResults = Type.Object({
  appid: Type.Optional(Type.Boolean()),
  credProps: Type.Optional(Type.Object({ rk: Type.Optional(Type.Boolean()) })),
  hmacCreateSecret: Type.Optional(Type.Boolean()),
});
const credentialFields = {
  id: Base64Url,
  rawId: Base64Url,
  type: Type.Literal('public-key'),
  authenticatorAttachment: Type.Optional(Attachment),
  clientExtensionResults: ExtensionResults,
  webauthn_session_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
};

const RegistrationShape = Type.Object({
  ...credentialFields,
  response: Type.Object({
    clientDataJSON: Base64Url,
    attestationObject: Base64Url,
    authenticatorData: Type.Optional(Base64Url),
    transports: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 16 })),
    publicKeyAlgorithm: Type.Optional(Type.Integer()),
    publicKey: Type.Optional(Base64Url),
  }),
});

const AuthenticationShape = Type.Object({
  ...credentialFields,
  response: Type.Object({
    clientDataJSON: Base64Url,
    authenticatorData: Base64Url,
    signature: Base64Url,
    userHandle: Type.Optional(Type.Union([Base64Url, Type.Null()])),
  }),
});

const registrationCheck = schemaCheck(RegistrationShape);
const authenticationCheck = schemaCheck(AuthenticationShape);

/** A decoded result: the credential as the library takes it, and the session id sent beside it. */
export interface EncodedResult<C> {
  readonly credential: C;
  readonly webauthnSessionId: string | undefined;
}

/** Standard base64, padded; or base64url, unpadded (a 4n+1 length is never whole bytes). */
const STANDARD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const URL_SAFE = /^[A-Za-z0-9_-]*$/;

/** The JSON value the encoded result holds; throws WEBAUTHN_INVALID_RESULT. */
function decodeJson(encoded: string): unknown {
  if (encoded.length > MAX_ENCODED_RESULT_LENGTH) throw invalid('size');
  if (encoded.length === 0 || !(STANDARD.test(encoded) || (URL_SAFE.test(encoded) && encoded.length % 4 !== 1))) throw invalid('encoding');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(encoded, 'base64'));
  } catch {
    throw invalid('encoding');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw invalid('json');
  }
}

const TRANSPORTS: readonly AuthenticatorTransportFuture[] = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'];
/** A transport WebAuthn names (others are dropped: browsers add new ones over time). */
export const isTransport = (value: string): value is AuthenticatorTransportFuture => TRANSPORTS.some((transport) => transport === value);

/** The fields every credential shares, rebuilt so that unknown fields never reach the library. */
function common(value: Static<typeof RegistrationShape> | Static<typeof AuthenticationShape>) {
  const attachment = value.authenticatorAttachment ?? undefined;
  return {
    id: value.id,
    rawId: value.rawId,
    type: value.type,
    ...(attachment === undefined ? {} : { authenticatorAttachment: attachment }),
    clientExtensionResults: value.clientExtensionResults,
  };
}

/** A registration's `webauthn_encoded_result` (navigator.credentials.create); throws WEBAUTHN_INVALID_RESULT. */
export function decodeRegistrationResult(encoded: string): EncodedResult<RegistrationResponseJSON> {
  const value = decodeJson(encoded);
  if (!registrationCheck.fits(value)) throw invalid('shape');
  const { transports, ...response } = value.response;
  const credential = { ...common(value), response: { ...response, ...(transports === undefined ? {} : { transports: transports.filter(isTransport) }) } };
  return { credential, webauthnSessionId: value.webauthn_session_id };
}

/** An assertion's `webauthn_encoded_result` (navigator.credentials.get); throws WEBAUTHN_INVALID_RESULT. */
export function decodeAuthenticationResult(encoded: string): EncodedResult<AuthenticationResponseJSON> {
  const value = decodeJson(encoded);
  if (!authenticationCheck.fits(value)) throw invalid('shape');
  const { userHandle, ...response } = value.response;
  const credential = { ...common(value), response: { ...response, ...(userHandle == null ? {} : { userHandle }) } };
  return { credential, webauthnSessionId: value.webauthn_session_id };
}

const ClientDataShape = Type.Object({ type: Type.String(), challenge: Base64Url, origin: Type.String() });
const clientDataCheck = schemaCheck(ClientDataShape);

/** What the browser says it signed: the ceremony type, the server's challenge and the page's origin. */
export type ClientData = Static<typeof ClientDataShape>;

/** The client data of a response, or undefined when it is not base64url of such a JSON object. */
export function readClientData(clientDataJSON: string): ClientData | undefined {
  let value: unknown;
  try {
    // Buffer, not the library's decoder: this module runs before the library is loaded (ceremonies.ts).
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(clientDataJSON, 'base64url')));
  } catch {
    return undefined;
  }
  return clientDataCheck.fits(value) ? value : undefined;
}

/** The challenge a response answers (base64url, as the options carried it): the ceremony is found
 * by it (design note §1: its HMAC is the flow row's secret_hash). Throws WEBAUTHN_INVALID_RESULT. */
export function challengeOf(clientDataJSON: string): string {
  const clientData = readClientData(clientDataJSON);
  if (clientData === undefined) throw invalid('shape');
  return clientData.challenge;
}
