import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  authenticationOptions,
  type ChallengeMatch,
  type RegisteredPasskey,
  type RelyingParty,
  registrationOptions,
  verifyAuthentication,
  verifyRegistration,
} from '../../../src/flows/webauthn/ceremonies.js';
import { decodeAuthenticationResult, decodeRegistrationResult } from '../../../src/flows/webauthn/encoded-result.js';
import { encodeResult, type FixtureName, type WebauthnFixture, webauthnFixture } from '../../helpers/webauthn-fixtures.js';

// The library-level proof of issue 18 on ceremonies a real browser performed (headless Chromium's
// virtual authenticator, scripts/record-webauthn-fixtures.ts): what verifies, and the reason each
// kind of bad result is refused with. Chromium's authenticator counts: registration 1, then 2, 3;
// the rewound copy signs 2 again; the assertion without user verification signs 3.

const fixture = webauthnFixture;
const relyingParty = (of: WebauthnFixture, overrides: Partial<RelyingParty> = {}): RelyingParty => ({
  rpId: of.rpId,
  rpName: 'Keystate fixtures',
  origins: [of.origin],
  userVerification: 'preferred',
  ...overrides,
});

/** The ceremony's stored hash is an HMAC of its challenge (design note §1); the predicate compares. */
const KEY = Buffer.from('a test key for challenge hashes');
const hashOf = (challenge: string) => createHmac('sha256', KEY).update(challenge).digest();
const challengeOf = (of: WebauthnFixture): ChallengeMatch => {
  const stored = hashOf(of.options.challenge);
  return (challenge) => timingSafeEqual(hashOf(challenge), stored);
};

const registrationOf = (name: FixtureName) => decodeRegistrationResult(encodeResult(fixture(name).response)).credential;
const assertionOf = (name: FixtureName) => decodeAuthenticationResult(encodeResult(fixture(name).response)).credential;

/** The recorded assertion with the last byte of its signature flipped (still well-formed DER). */
function tampered(name: FixtureName) {
  const assertion = assertionOf(name);
  const signature = Buffer.from(assertion.response.signature, 'base64url');
  signature[signature.length - 1] = (signature.at(-1) ?? 0) ^ 0x01;
  return { ...assertion, response: { ...assertion.response, signature: signature.toString('base64url') } };
}

async function registered(name: 'registration' | 'shop-registration'): Promise<RegisteredPasskey> {
  const verdict = await verifyRegistration(relyingParty(fixture(name)), registrationOf(name), challengeOf(fixture(name)));
  if (!verdict.verified) throw new Error(`the recorded ${name} does not verify: ${verdict.reason}`);
  return verdict.passkey;
}

/** Verifies a recorded assertion against the registered passkey holding `counter`. */
async function assertWith(name: FixtureName, counter: number, overrides: Partial<RelyingParty> = {}, challenge = challengeOf(fixture(name))) {
  const passkey = await registered('registration');
  return verifyAuthentication(relyingParty(fixture(name), overrides), assertionOf(name), { ...passkey, counter }, challenge);
}

describe('WebAuthn ceremonies (@simplewebauthn/server on recorded browser results)', () => {
  it('generates the options the fixtures were recorded with', async () => {
    const recorded = fixture('registration');
    const rp = relyingParty(recorded);
    const utf8 = (text: string) => new TextEncoder().encode(text);
    const creation = await registrationOptions(rp, {
      userName: 'alice@example.com',
      userDisplayName: 'Alice',
      userHandle: utf8('keystate webauthn fixture: user handle of registration'),
      challenge: utf8('keystate webauthn fixture: registration'),
      timeoutMs: 60_000,
    });
    expect(creation).toEqual(recorded.options);
    expect(creation).toMatchObject({ attestation: 'none', rp: { id: 'localhost' }, authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' } });
    const request = await authenticationOptions(rp, { challenge: utf8('keystate webauthn fixture: assertion-1'), timeoutMs: 60_000, allowCredentials: [{ id: recorded.response.id }] });
    expect(request).toEqual(fixture('assertion-1').options);
    const usernameless = await authenticationOptions({ ...rp, userVerification: 'required' }, { challenge: utf8('c'), timeoutMs: 30_000 });
    expect(usernameless).toMatchObject({ rpId: 'localhost', timeout: 30_000, userVerification: 'required', allowCredentials: [] });
  });

  it('verifies a registration with attestation none', async () => {
    const recorded = fixture('registration');
    const passkey = await registered('registration');
    expect(passkey).toEqual({
      credentialId: recorded.response.id,
      publicKey: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/),
      counter: 1,
      transports: ['internal'],
      aaguid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      attachment: 'platform',
      deviceType: 'singleDevice',
      backedUp: false,
      userVerified: true,
    });
  });

  it('verifies assertions of the registered passkey, counters moving on', async () => {
    expect(await assertWith('assertion-1', 1)).toEqual({ verified: true, counter: 2, userVerified: true, deviceType: 'singleDevice', backedUp: false });
    expect(await assertWith('assertion-2', 2)).toMatchObject({ verified: true, counter: 3 });
  });

  it('names a wrong origin', async () => {
    const registration = fixture('registration');
    const verdict = await verifyRegistration(relyingParty(registration, { origins: ['https://bank.example'] }), registrationOf('registration'), challengeOf(registration));
    expect(verdict).toEqual({ verified: false, reason: 'origin' });
    expect(await assertWith('assertion-1', 1, { origins: ['http://localhost'] })).toEqual({ verified: false, reason: 'origin' });
  });

  it('names a result made for another rp id (shop.localhost), even from an allowed origin', async () => {
    const shop = fixture('shop-registration');
    const asLocalhost = relyingParty(shop, { rpId: 'localhost' });
    expect(await verifyRegistration(asLocalhost, registrationOf('shop-registration'), challengeOf(shop))).toEqual({ verified: false, reason: 'rpId' });
    const passkey = await registered('shop-registration');
    const assertion = fixture('shop-assertion');
    expect(await verifyAuthentication(relyingParty(assertion), assertionOf('shop-assertion'), passkey, challengeOf(assertion))).toMatchObject({ verified: true });
    expect(await verifyAuthentication(asLocalhost, assertionOf('shop-assertion'), passkey, challengeOf(assertion))).toEqual({ verified: false, reason: 'rpId' });
  });

  it('names a challenge that is not the ceremony’s', async () => {
    const registration = fixture('registration');
    expect(await verifyRegistration(relyingParty(registration), registrationOf('registration'), challengeOf(fixture('assertion-1')))).toEqual({ verified: false, reason: 'challenge' });
    expect(await assertWith('assertion-1', 1, {}, challengeOf(fixture('assertion-2')))).toEqual({ verified: false, reason: 'challenge' });
  });

  it('names an assertion without user verification when the app requires it, and takes it when preferred', async () => {
    expect(await assertWith('assertion-uv-off', 1, { userVerification: 'required' })).toEqual({ verified: false, reason: 'userVerification' });
    expect(await assertWith('assertion-uv-off', 1)).toMatchObject({ verified: true, counter: 3, userVerified: false });
  });

  it('names a tampered signature', async () => {
    const passkey = await registered('registration');
    const recorded = fixture('assertion-1');
    expect(await verifyAuthentication(relyingParty(recorded), tampered('assertion-1'), { ...passkey, counter: 1 }, challengeOf(recorded))).toEqual({ verified: false, reason: 'signature' });
  });

  it("tells a genuine assertion whose counter did not move ('counter': the machine judges) from a forged one", async () => {
    // The clone: the rewound copy signs 2 after the original signed 3.
    expect(await assertWith('assertion-rewound', 3)).toEqual({ verified: false, reason: 'counter', counter: 2, userVerified: true });
    // A replay of the last assertion: equal counters are no progress either.
    expect(await assertWith('assertion-2', 3)).toEqual({ verified: false, reason: 'counter', counter: 3, userVerified: true });
    // A forged assertion with a low counter must not pass for a clone (it would suspend the passkey).
    const passkey = await registered('registration');
    const recorded = fixture('assertion-rewound');
    expect(await verifyAuthentication(relyingParty(recorded), tampered('assertion-rewound'), { ...passkey, counter: 3 }, challengeOf(recorded))).toEqual({ verified: false, reason: 'signature' });
  });

  it('names a result for another credential, or one the library cannot read, as format', async () => {
    const passkey = await registered('registration');
    const shop = fixture('shop-assertion');
    expect(await verifyAuthentication(relyingParty(shop), assertionOf('shop-assertion'), passkey, challengeOf(shop))).toEqual({ verified: false, reason: 'format' });
    const recorded = fixture('assertion-1');
    const cut = assertionOf('assertion-1');
    cut.response.authenticatorData = cut.response.authenticatorData.slice(0, 20);
    expect(await verifyAuthentication(relyingParty(recorded), cut, passkey, challengeOf(recorded))).toEqual({ verified: false, reason: 'format' });
    const created = registrationOf('registration');
    const asGet = { ...created, response: { ...created.response, clientDataJSON: assertionOf('assertion-1').response.clientDataJSON } };
    expect(await verifyRegistration(relyingParty(recorded), asGet, challengeOf(recorded))).toEqual({ verified: false, reason: 'format' });
  });
});
