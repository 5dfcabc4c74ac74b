import { describe, expect, it } from 'vitest';
import { AuthError } from '../../../src/errors.js';
import { challengeOf, decodeAuthenticationResult, decodeRegistrationResult, MAX_ENCODED_RESULT_LENGTH } from '../../../src/flows/webauthn/encoded-result.js';
import { encodeResult, webauthnFixture } from '../../helpers/webauthn-fixtures.js';

// webauthn_encoded_result: base64 (standard padded, or base64url) of the UTF-8 JSON of the
// browser's PublicKeyCredential.toJSON(), read strictly before any verification.

const registration = webauthnFixture('registration');
const assertion = webauthnFixture('assertion-1');

/** The reason a decode was refused with, after checking it is our error and echoes nothing. */
function refusal(decode: () => unknown): unknown {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    if (!(error instanceof AuthError)) return undefined;
    expect(error.code).toBe('WEBAUTHN_INVALID_RESULT');
    expect(error.status).toBe(400);
    expect(error.toBody()).toEqual({ message: expect.stringContaining('webauthn_encoded_result'), error_code: 400 });
    return error.details.reason;
  }
  throw new Error('the result was accepted');
}

describe('webauthn_encoded_result', () => {
  it("decodes a browser's registration and assertion, standard padded base64", () => {
    const created = decodeRegistrationResult(encodeResult(registration.response));
    expect(created).toEqual({ credential: registration.response, webauthnSessionId: undefined });
    const asserted = decodeAuthenticationResult(encodeResult(assertion.response));
    expect(asserted).toEqual({ credential: assertion.response, webauthnSessionId: undefined });
  });

  it('accepts base64url without padding, and the session id sent beside the credential', () => {
    const encoded = Buffer.from(JSON.stringify({ ...assertion.response, webauthn_session_id: 'ws_1' })).toString('base64url');
    expect(encoded).not.toMatch(/[=+/]/);
    expect(decodeAuthenticationResult(encoded)).toEqual({ credential: assertion.response, webauthnSessionId: 'ws_1' });
  });

  it('hands the library only the fields it knows (a field a browser adds later is dropped, not refused)', () => {
    const response = { ...registration.response.response, transports: ['internal', 'quantum-link'], futureField: 1 };
    const decoded = decodeRegistrationResult(encodeResult({ ...registration.response, futureTopLevel: true, authenticatorAttachment: null, response }));
    expect(decoded.credential).not.toHaveProperty('futureTopLevel');
    expect(decoded.credential).not.toHaveProperty('authenticatorAttachment');
    expect(decoded.credential.response.transports).toEqual(['internal']);
  });

  it('refuses truncated or invalid base64', () => {
    const encoded = encodeResult(assertion.response);
    expect(encoded.endsWith('=') || encoded.length % 4 === 0).toBe(true);
    expect(refusal(() => decodeAuthenticationResult(encoded.slice(0, -3)))).toBe('encoding');
    expect(refusal(() => decodeAuthenticationResult(encoded.slice(0, -8)))).toBe('json');
    expect(refusal(() => decodeAuthenticationResult(''))).toBe('encoding');
    expect(refusal(() => decodeAuthenticationResult(`${encoded.slice(0, 8)} ${encoded.slice(8)}`))).toBe('encoding');
    expect(refusal(() => decodeAuthenticationResult('ab+_'))).toBe('encoding');
    expect(refusal(() => decodeAuthenticationResult('a'))).toBe('encoding');
    expect(refusal(() => decodeAuthenticationResult(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64')))).toBe('encoding');
  });

  it('refuses what is not a credential of the ceremony', () => {
    expect(refusal(() => decodeAuthenticationResult(Buffer.from('not json').toString('base64')))).toBe('json');
    expect(refusal(() => decodeAuthenticationResult(encodeResult([assertion.response])))).toBe('shape');
    expect(refusal(() => decodeRegistrationResult(encodeResult(assertion.response)))).toBe('shape');
    expect(refusal(() => decodeAuthenticationResult(encodeResult({ ...assertion.response, type: 'password' })))).toBe('shape');
    const badSignature = { ...assertion.response, response: { ...assertion.response.response, signature: 'not base64url!' } };
    expect(refusal(() => decodeAuthenticationResult(encodeResult(badSignature)))).toBe('shape');
  });

  it(`refuses an input longer than ${MAX_ENCODED_RESULT_LENGTH} characters before decoding it`, () => {
    expect(refusal(() => decodeAuthenticationResult('A'.repeat(MAX_ENCODED_RESULT_LENGTH + 4)))).toBe('size');
    // At the limit it is decoded (and refused for what it holds, not for its size).
    expect(refusal(() => decodeAuthenticationResult('A'.repeat(MAX_ENCODED_RESULT_LENGTH)))).toBe('json');
  });

  it('reads the challenge a response answers, to find its ceremony by', () => {
    expect(challengeOf(registration.response.response.clientDataJSON)).toBe(registration.options.challenge);
    expect(challengeOf(assertion.response.response.clientDataJSON)).toBe(assertion.options.challenge);
    expect(refusal(() => challengeOf('e30'))).toBe('shape');
    expect(refusal(() => challengeOf('!!!'))).toBe('shape');
  });
});
