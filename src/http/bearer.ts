// Reading bearer credentials from the Authorization header (RFC 6750 §2.1).
//
// Two kinds of bearer reach us. The admin token is an opaque configured secret: any b64token is
// accepted and compared exactly as presented, so "secret=" is never taken for "secret". The client
// access token is a JWS compact serialization (RFC 7515 §7.1): three base64url segments without
// padding. Base64 decoders are lenient (they skip "=", ignore the unused low bits of the last
// character), so many different strings decode to the same signed bytes; such a variant is a
// different token, and we refuse it before it reaches jose rather than let two spellings of one
// token both work (a revocation list, a rate-limit key or a log hash keyed on the string would
// then miss the other spelling).

/** RFC 6750 b64token, after the case-insensitive scheme and at least one space. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const BASE64URL_SEGMENT = /^[A-Za-z0-9_-]*$/;
const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The credential of a `Bearer` Authorization header, exactly as presented; null if absent or malformed. */
export function bearerCredential(header: string | undefined): string | null {
  if (header === undefined) return null;
  return BEARER.exec(header)?.[1] ?? null;
}

/** The client access token of a `Bearer` header, or null unless it is a canonically encoded JWS
 * compact serialization (header.payload.signature). */
export function clientBearerToken(header: string | undefined): string | null {
  const credential = bearerCredential(header);
  if (credential === null) return null;
  const segments = credential.split('.');
  if (segments.length !== 3 || !segments.every(isCanonicalBase64url)) return null;
  return credential;
}

/** True when `segment` is the one string base64url-without-padding (RFC 4648 §5, RFC 7515 §2)
 * produces for the bytes it decodes to. */
export function isCanonicalBase64url(segment: string): boolean {
  if (!BASE64URL_SEGMENT.test(segment)) return false;
  const tail = segment.length % 4;
  // 4n+1 characters carry 6 bits too many for whole bytes and too few for another: never produced.
  if (tail === 1) return false;
  if (tail === 0) return true;
  // The last character of a 2-character tail carries 4 unused bits (one byte), of a 3-character tail
  // 2 unused bits (two bytes); an encoder always writes them as zero.
  const unusedBits = tail === 2 ? 0b1111 : 0b11;
  return (BASE64URL_ALPHABET.indexOf(segment.charAt(segment.length - 1)) & unusedBits) === 0;
}
