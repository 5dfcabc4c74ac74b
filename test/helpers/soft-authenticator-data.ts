import { createHash, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

// The bytes a software authenticator answers with (WebAuthn L3 §6.1 authenticator data, §6.5.1
// attested credential data, §8.7 'none' attestation, §5.8.1 client data), for
// test/helpers/soft-authenticator.ts. Only layout lives here: the CBOR is the library's own encoder
// (isoCBOR, the one it decodes with), so a test proves the server against bytes it did not shape.

/** What the CBOR encoder takes; a Map where WebAuthn wants integer keys (a COSE key). */
type Cbor = Parameters<typeof isoCBOR.encode>[0];

/** Authenticator data flags (§6.1): user present, user verified, attested credential data.
 * Backup eligible/state (0x08, 0x10) stay off: a software key is a single-device credential. */
const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

/** COSE (RFC 9052/9053) labels and values of an EC2 P-256 key used with ES256. */
const COSE_KTY = 1;
const COSE_ALG = 3;
const COSE_EC2_CRV = -1;
const COSE_EC2_X = -2;
const COSE_EC2_Y = -3;
const KTY_EC2 = 2;
export const ALG_ES256 = -7;
const CRV_P256 = 1;

const sha256 = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest();

/** The AAGUID as 16 bytes, from its UUID text (dashes optional); all zeros when none is given,
 * as authenticators that do not say what they are answer under attestation 'none'. */
export function aaguidBytes(aaguid: string | undefined): Buffer {
  if (aaguid === undefined) return Buffer.alloc(16);
  const hex = aaguid.replaceAll('-', '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`aaguid must be a UUID (32 hex digits), got ${JSON.stringify(aaguid)}`);
  return Buffer.from(hex, 'hex');
}

/** The public key as a COSE_Key (EC2, ES256, P-256, x and y): the form attested credential data carries. */
export function coseKey(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.x === undefined || jwk.y === undefined) throw new Error('not an EC public key');
  const key = new Map<number, Cbor>([
    [COSE_KTY, KTY_EC2],
    [COSE_ALG, ALG_ES256],
    [COSE_EC2_CRV, CRV_P256],
    [COSE_EC2_X, Buffer.from(jwk.x, 'base64url')],
    [COSE_EC2_Y, Buffer.from(jwk.y, 'base64url')],
  ]);
  return isoCBOR.encode(key);
}

/** The credential a registration attests: its id and public key, under the authenticator's AAGUID. */
export interface AttestedCredential {
  readonly aaguid: Buffer;
  readonly credentialId: Buffer;
  readonly publicKey: KeyObject;
}

/** Authenticator data: SHA-256(rp id), flags, the sign counter (32-bit big-endian), and on
 * registration the attested credential data (AAGUID, id length, id, COSE key). */
export function authenticatorData(rpId: string, userVerified: boolean, counter: number, attested?: AttestedCredential): Buffer {
  const flags = FLAG_UP | (userVerified ? FLAG_UV : 0) | (attested === undefined ? 0 : FLAG_AT);
  const head = Buffer.alloc(5);
  head.writeUInt8(flags, 0);
  head.writeUInt32BE(counter, 1);
  const parts: Uint8Array[] = [sha256(rpId), head];
  if (attested !== undefined) {
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(attested.credentialId.length, 0);
    parts.push(attested.aaguid, idLength, attested.credentialId, coseKey(attested.publicKey));
  }
  return Buffer.concat(parts);
}

/** The attestation object of format 'none': no statement, only the authenticator data. */
export function noneAttestationObject(authData: Uint8Array): Uint8Array {
  const statement = new Map<string, Cbor>();
  return isoCBOR.encode(
    new Map<string, Cbor>([
      ['fmt', 'none'],
      ['attStmt', statement],
      ['authData', authData],
    ]),
  );
}

/** The client data the browser builds and the authenticator signs a hash of (key order as Chromium's). */
export function clientDataJSON(type: 'webauthn.create' | 'webauthn.get', challenge: string, origin: string): Buffer {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');
}

/** What an assertion signs: authenticator data followed by the hash of the client data (§6.3.3). */
export const signedBytes = (authData: Uint8Array, clientData: Uint8Array): Buffer => Buffer.concat([authData, sha256(clientData)]);
