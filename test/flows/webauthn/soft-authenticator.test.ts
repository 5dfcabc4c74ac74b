import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { cose, decodeAttestationObject, decodeCredentialPublicKey, isoBase64URL, parseAuthenticatorData } from '@simplewebauthn/server/helpers';
import { describe, expect, it } from 'vitest';
import {
  type AuthenticationVerdict,
  authenticationOptions,
  type ChallengeMatch,
  type RegisteredPasskey,
  type RelyingParty,
  registrationOptions,
  type StoredPasskey,
  verifyAuthentication,
  verifyRegistration,
} from '../../../src/flows/webauthn/ceremonies.js';
import { decodeAuthenticationResult, decodeRegistrationResult } from '../../../src/flows/webauthn/encoded-result.js';
import { createSoftAuthenticator, type SoftAuthenticator } from '../../helpers/soft-authenticator.js';

// The software authenticator (test/helpers/soft-authenticator.ts) against the server's own
// ceremonies: what it answers decodes as a `webauthn_encoded_result` and verifies with
// @simplewebauthn/server, and each attack it can play is refused for the reason it stands for.

const ORIGIN = 'http://localhost:3000';
const RP: RelyingParty = { rpId: 'localhost', origins: [ORIGIN], rpName: 'Test', userVerification: 'preferred' };
const SHOP_ORIGIN = 'http://shop.localhost:3000';
const SHOP: RelyingParty = { ...RP, rpId: 'shop.localhost', origins: [SHOP_ORIGIN] };
const USER_HANDLE = new TextEncoder().encode('user handle of alice');

/** The ceremony's challenge check (the server compares HMACs; the test, the text). */
const challengeOf =
  (options: { readonly challenge: string }): ChallengeMatch =>
  (challenge) =>
    challenge === options.challenge;

const creationOptions = (rp: RelyingParty, excludeCredentials?: readonly { readonly id: string }[]) =>
  registrationOptions(rp, {
    userName: 'alice',
    userDisplayName: 'Alice',
    userHandle: USER_HANDLE,
    challenge: randomBytes(32),
    timeoutMs: 60_000,
    ...(excludeCredentials ? { excludeCredentials } : {}),
  });

/** A registration by `authenticator` on `origin`, through the encoded result, verified by `verifier`. */
async function registration(authenticator: SoftAuthenticator, options: { rp?: RelyingParty; verifier?: RelyingParty; origin?: string } = {}) {
  const rp = options.rp ?? RP;
  const creation = await creationOptions(rp);
  const encoded = authenticator.encode(authenticator.register(creation, options.origin ?? rp.origins[0] ?? ORIGIN));
  return verifyRegistration(options.verifier ?? rp, decodeRegistrationResult(encoded).credential, challengeOf(creation));
}

async function registered(authenticator: SoftAuthenticator, rp: RelyingParty = RP): Promise<RegisteredPasskey> {
  const verdict = await registration(authenticator, { rp });
  if (!verdict.verified) throw new Error(`the registration does not verify: ${verdict.reason}`);
  return verdict.passkey;
}

interface LoginCase {
  readonly rp?: RelyingParty;
  readonly verifier?: RelyingParty;
  readonly origin?: string;
  readonly tamper?: (signature: Buffer) => void;
}

/** A login with `passkey` by `authenticator`, through the encoded result, verified by `verifier`. */
async function login(authenticator: SoftAuthenticator, passkey: StoredPasskey, options: LoginCase = {}): Promise<AuthenticationVerdict> {
  const rp = options.rp ?? RP;
  const request = await authenticationOptions(rp, { challenge: randomBytes(32), timeoutMs: 60_000, allowCredentials: [{ id: passkey.credentialId }] });
  const response = decodeAuthenticationResult(authenticator.encode(authenticator.authenticate(request, options.origin ?? rp.origins[0] ?? ORIGIN))).credential;
  const signature = Buffer.from(response.response.signature, 'base64url');
  options.tamper?.(signature);
  const sent = { ...response, response: { ...response.response, signature: signature.toString('base64url') } };
  return verifyAuthentication(options.verifier ?? rp, sent, passkey, challengeOf(request));
}

/** The stored passkey after a verified login (its counter kept). */
function kept(passkey: StoredPasskey, verdict: AuthenticationVerdict): StoredPasskey {
  if (!verdict.verified) throw new Error(`the login does not verify: ${verdict.reason}`);
  return { ...passkey, counter: verdict.counter };
}

describe('software WebAuthn authenticator (test/helpers/soft-authenticator.ts)', () => {
  it('registers a passkey the ceremonies verify, with attestation none', async () => {
    const authenticator = createSoftAuthenticator();
    const passkey = await registered(authenticator);
    const [held] = authenticator.credentials();
    expect(held).toEqual({ id: passkey.credentialId, rpId: 'localhost', userHandle: Buffer.from(USER_HANDLE).toString('base64url'), counter: 1, discoverable: true });
    expect(passkey).toMatchObject({
      counter: 1,
      attachment: 'platform',
      aaguid: '00000000-0000-0000-0000-000000000000',
      transports: ['internal'],
      userVerified: true,
      backedUp: false,
      deviceType: 'singleDevice',
    });
  });

  it("lays its bytes out as WebAuthn does (read back with the library's parsers, the signature with node's)", async () => {
    const authenticator = createSoftAuthenticator({ userVerification: false });
    const creation = await creationOptions(RP);
    const registration = authenticator.register(creation, ORIGIN);
    const attestation = decodeAttestationObject(isoBase64URL.toBuffer(registration.response.attestationObject));
    expect(attestation.get('fmt')).toBe('none');
    expect(attestation.get('attStmt').size).toBe(0);
    const authData = parseAuthenticatorData(attestation.get('authData'));
    expect(authData.flags).toMatchObject({ up: true, uv: false, be: false, bs: false, at: true, ed: false });
    expect(Buffer.from(authData.rpIdHash)).toEqual(createHash('sha256').update('localhost').digest());
    expect(authData.counter).toBe(1);
    expect(authData.credentialID && isoBase64URL.fromBuffer(authData.credentialID)).toBe(registration.id);
    const key = authData.credentialPublicKey && decodeCredentialPublicKey(authData.credentialPublicKey);
    // Integer labels, as a Map: what the library (and a browser's parser) reads a COSE key by.
    if (key === undefined || !cose.isCOSEPublicKeyEC2(key)) throw new Error('the attested credential data holds no EC2 COSE key');
    const { kty, alg, crv, x, y } = cose.COSEKEYS;
    expect([key.get(kty), key.get(alg), key.get(crv), key.get(x)?.length, key.get(y)?.length]).toEqual([cose.COSEKTY.EC2, cose.COSEALG.ES256, cose.COSECRV.P256, 32, 32]);
    const clientData = (encoded: string) => JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    expect(clientData(registration.response.clientDataJSON)).toEqual({ type: 'webauthn.create', challenge: creation.challenge, origin: ORIGIN, crossOrigin: false });

    const request = await authenticationOptions(RP, { challenge: randomBytes(32), timeoutMs: 60_000, allowCredentials: [{ id: registration.id }] });
    const assertion = authenticator.authenticate(request, ORIGIN).response;
    expect(clientData(assertion.clientDataJSON)).toEqual({ type: 'webauthn.get', challenge: request.challenge, origin: ORIGIN, crossOrigin: false });
    const assertionData = Buffer.from(assertion.authenticatorData, 'base64url');
    expect(parseAuthenticatorData(isoBase64URL.toBuffer(assertion.authenticatorData))).toMatchObject({ counter: 2, flags: { up: true, uv: false, at: false } });
    const signed = Buffer.concat([assertionData, createHash('sha256').update(Buffer.from(assertion.clientDataJSON, 'base64url')).digest()]);
    const publicKey = createPublicKey({ key: Buffer.from(registration.response.publicKey ?? '', 'base64url'), format: 'der', type: 'spki' });
    const signature = Buffer.from(assertion.signature, 'base64url');
    expect(signature[0]).toBe(0x30);
    expect(verify('sha256', signed, publicKey, signature)).toBe(true);
  });

  it('claims its AAGUID and attachment, and encodes the session id beside the credential', async () => {
    const aaguid = 'adce0002-35bc-c60a-648b-0b25f1f05503';
    const authenticator = createSoftAuthenticator({ attachment: 'cross-platform', aaguid });
    const creation = await creationOptions(RP);
    const decoded = decodeRegistrationResult(authenticator.encode(authenticator.register(creation, ORIGIN), { webauthn_session_id: 'ws-1' }));
    expect(decoded.webauthnSessionId).toBe('ws-1');
    const verdict = await verifyRegistration(RP, decoded.credential, challengeOf(creation));
    expect(verdict).toMatchObject({ verified: true, passkey: { aaguid, attachment: 'cross-platform', transports: ['usb'] } });
  });

  it('logs in with the passkey, its counter moving by one each time', async () => {
    const authenticator = createSoftAuthenticator();
    let passkey: StoredPasskey = await registered(authenticator);
    const first = await login(authenticator, passkey);
    expect(first).toMatchObject({ verified: true, counter: 2, userVerified: true });
    passkey = kept(passkey, first);
    expect(await login(authenticator, passkey)).toMatchObject({ verified: true, counter: 3 });
    expect(authenticator.credentials()[0]?.counter).toBe(3);
  });

  it('keeps no counter with counterStep 0: it stays 0 and verifies', async () => {
    const authenticator = createSoftAuthenticator({ counterStep: 0 });
    let passkey: StoredPasskey = await registered(authenticator);
    expect(passkey.counter).toBe(0);
    for (let index = 0; index < 2; index++) {
      const verdict = await login(authenticator, passkey);
      expect(verdict).toMatchObject({ verified: true, counter: 0 });
      passkey = kept(passkey, verdict);
    }
  });

  it('without user verification is refused where the app requires it, accepted where it prefers it', async () => {
    const required: RelyingParty = { ...RP, userVerification: 'required' };
    expect(await registration(createSoftAuthenticator({ userVerification: false }), { rp: required })).toEqual({ verified: false, reason: 'userVerification' });
    const authenticator = createSoftAuthenticator();
    const passkey = await registered(authenticator, required);
    authenticator.setUserVerification(false);
    expect(await login(authenticator, passkey, { rp: required })).toEqual({ verified: false, reason: 'userVerification' });
    expect(await login(authenticator, passkey)).toMatchObject({ verified: true, userVerified: false });
  });

  it('answering on an origin the app did not list is refused: origin', async () => {
    const evil = 'http://evil.localhost:3000';
    const authenticator = createSoftAuthenticator();
    expect(await registration(authenticator, { origin: evil })).toEqual({ verified: false, reason: 'origin' });
    const passkey = await registered(authenticator);
    expect(await login(authenticator, passkey, { origin: evil })).toEqual({ verified: false, reason: 'origin' });
  });

  it("a credential of another app's rp id is refused even on an origin the app lists: rpId", async () => {
    const both: RelyingParty = { ...RP, origins: [ORIGIN, SHOP_ORIGIN] };
    const authenticator = createSoftAuthenticator();
    expect(await registration(authenticator, { rp: SHOP, verifier: both })).toEqual({ verified: false, reason: 'rpId' });
    const passkey = await registered(authenticator, SHOP);
    expect(await login(authenticator, passkey, { rp: SHOP, verifier: both })).toEqual({ verified: false, reason: 'rpId' });
  });

  it('a rewound counter (a clone, or setCounter) is refused: counter', async () => {
    const authenticator = createSoftAuthenticator();
    let passkey: StoredPasskey = await registered(authenticator);
    const clone = authenticator.clone();
    passkey = kept(passkey, await login(authenticator, passkey));
    passkey = kept(passkey, await login(authenticator, passkey));
    expect(clone.credentials()[0]?.counter).toBe(1);
    expect(await login(clone, passkey)).toEqual({ verified: false, reason: 'counter', counter: 2, userVerified: true });
    authenticator.setCounter(passkey.credentialId, 0);
    expect(await login(authenticator, passkey)).toEqual({ verified: false, reason: 'counter', counter: 1, userVerified: true });
  });

  it('a tampered signature is refused: signature', async () => {
    const authenticator = createSoftAuthenticator();
    const passkey = await registered(authenticator);
    const flipLast = (signature: Buffer) => {
      signature[signature.length - 1] = (signature.at(-1) ?? 0) ^ 0x01;
    };
    expect(await login(authenticator, passkey, { tamper: flipLast })).toEqual({ verified: false, reason: 'signature' });
  });

  it('finds the discoverable credential without allowCredentials and returns its user handle', async () => {
    const authenticator = createSoftAuthenticator();
    await registered(authenticator, SHOP);
    const passkey = await registered(authenticator);
    const request = await authenticationOptions(RP, { challenge: randomBytes(32), timeoutMs: 60_000 });
    expect(request.allowCredentials).toEqual([]);
    const response = decodeAuthenticationResult(authenticator.encode(authenticator.authenticate(request, ORIGIN))).credential;
    expect(response.id).toBe(passkey.credentialId);
    expect(response.response.userHandle).toBe(Buffer.from(USER_HANDLE).toString('base64url'));
    expect(await verifyAuthentication(RP, response, passkey, challengeOf(request))).toMatchObject({ verified: true, counter: 2 });
  });

  it('a server-side credential is found only by allowCredentials, and carries no user handle', async () => {
    const authenticator = createSoftAuthenticator();
    const creation = await creationOptions(RP);
    const response = authenticator.register({ ...creation, authenticatorSelection: { residentKey: 'discouraged' } }, ORIGIN);
    expect(authenticator.credentials()[0]?.discoverable).toBe(false);
    const usernameless = await authenticationOptions(RP, { challenge: randomBytes(32), timeoutMs: 60_000 });
    expect(() => authenticator.authenticate(usernameless, ORIGIN)).toThrow(expect.objectContaining({ name: 'NotAllowedError' }));
    const named = await authenticationOptions(RP, { challenge: randomBytes(32), timeoutMs: 60_000, allowCredentials: [{ id: response.id }] });
    expect(authenticator.authenticate(named, ORIGIN).response.userHandle).toBeUndefined();
  });

  it('refuses as a browser would: an excluded credential, no credential for the rp', async () => {
    const authenticator = createSoftAuthenticator();
    const passkey = await registered(authenticator);
    const excluding = await creationOptions(RP, [{ id: passkey.credentialId }]);
    expect(() => authenticator.register(excluding, ORIGIN)).toThrow(expect.objectContaining({ name: 'InvalidStateError' }));
    expect(createSoftAuthenticator().register(excluding, ORIGIN).id).not.toBe(passkey.credentialId);
    const elsewhere = await authenticationOptions(SHOP, { challenge: randomBytes(32), timeoutMs: 60_000, allowCredentials: [{ id: passkey.credentialId }] });
    expect(() => authenticator.authenticate(elsewhere, SHOP_ORIGIN)).toThrow(expect.objectContaining({ name: 'NotAllowedError' }));
  });

  it('signs with the credential a test picks among discoverable ones', async () => {
    const authenticator = createSoftAuthenticator();
    const first = await registered(authenticator);
    const creation = await creationOptions(RP);
    const second = authenticator.register({ ...creation, user: { ...creation.user, id: Buffer.from('user handle of bob').toString('base64url') } }, ORIGIN);
    const request = await authenticationOptions(RP, { challenge: randomBytes(32), timeoutMs: 60_000 });
    expect(authenticator.authenticate(request, ORIGIN).id).toBe(first.credentialId);
    expect(authenticator.authenticate(request, ORIGIN, { credentialId: second.id }).id).toBe(second.id);
  });
});
