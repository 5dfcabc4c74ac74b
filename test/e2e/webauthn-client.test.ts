import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  authenticationOptions,
  type ChallengeMatch,
  type RegisteredPasskey,
  type RelyingParty,
  registrationOptions,
  verifyAuthentication,
  verifyRegistration,
} from '../../src/flows/webauthn/ceremonies.js';
import { webauthnClientRoutes } from '../../src/flows/webauthn/browser-routes.js';
import { decodeAuthenticationResult, decodeRegistrationResult } from '../../src/flows/webauthn/encoded-result.js';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { type VirtualAuthenticator, virtualAuthenticator } from '../helpers/webauthn.js';

// The passkey helper module (GET /cis/v1/webauthn/client.js, issue 18 point 2) in headless
// Chromium with a CDP virtual authenticator: a page on http://localhost:<port> (a secure context,
// RP id `localhost`) imports the module as the server serves it, from http://127.0.0.1:<port> (another
// origin, so the import itself proves the CORS header), runs register() and authenticate() on
// options from ceremonies.ts, and the strings it returns are decoded by encoded-result.ts and
// verified by @simplewebauthn/server as the server's routes will. The browser's own errors reach
// the caller unchanged. No database: the module and a blank page are all the server serves.

let server: FastifyInstance;
let browser: TestBrowser;
let origin: string;
let moduleUrl: string;

beforeAll(async () => {
  server = Fastify();
  await server.register(webauthnClientRoutes);
  server.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send('<!doctype html><link rel="icon" href="data:,"><title>passkey helper</title>'));
  await server.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.server.address() as AddressInfo;
  origin = `http://localhost:${port}`;
  moduleUrl = `http://127.0.0.1:${port}/cis/v1/webauthn/client.js`;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

let authenticator: VirtualAuthenticator | undefined;

beforeEach(async () => {
  // A fresh page per test: the fallback test changes the page's WebAuthn API.
  await authenticator?.remove();
  authenticator = undefined;
  await browser.page.goto(`${origin}/`);
});

/** What a helper call in the page gave: the encoded result, or the error it rejected with. */
type Outcome = { readonly value: string } | { readonly error: { readonly name: string; readonly domException: boolean; readonly message: string } };

/** Runs `body` in the page with the helper module imported as `helper` (the page code is a string:
 * this project compiles without the DOM's types, and vitest would rewrite a dynamic import). */
function inPage(body: string): Promise<Outcome> {
  return browser.page.evaluate(`(async () => {
    const helper = await import(${JSON.stringify(moduleUrl)});
    try {
      return { value: await (async () => { ${body} })() };
    } catch (error) {
      return { error: { name: error.name, domException: error instanceof DOMException, message: String(error.message) } };
    }
  })()`);
}

function encodedOf(outcome: Outcome): string {
  if ('error' in outcome) throw new Error(`the helper rejected: ${outcome.error.name}: ${outcome.error.message}`);
  return outcome.value;
}

const relyingParty = (userVerification: RelyingParty['userVerification']): RelyingParty => ({ rpId: 'localhost', origins: [origin], rpName: 'Keystate helper test', userVerification });

/** The ceremony's challenge, as the server would check it (there: by its HMAC). */
function challenge(): { bytes: Uint8Array; matches: ChallengeMatch } {
  const bytes = randomBytes(32);
  const expected = bytes.toString('base64url');
  return { bytes, matches: (value) => value === expected };
}

async function registerWith(rp: RelyingParty, extra: { excludeCredentials?: { id: string }[] } = {}): Promise<{ outcome: Outcome; matches: ChallengeMatch }> {
  const { bytes, matches } = challenge();
  const options = await registrationOptions(rp, { userName: 'ada@example.com', userDisplayName: 'Ada Lovelace', userHandle: randomBytes(32), challenge: bytes, timeoutMs: 60_000, ...extra });
  return { outcome: await inPage(`return helper.register(${JSON.stringify(options)});`), matches };
}

async function registered(rp: RelyingParty): Promise<RegisteredPasskey> {
  const { outcome, matches } = await registerWith(rp);
  const decoded = decodeRegistrationResult(encodedOf(outcome));
  expect(decoded.webauthnSessionId).toBeUndefined();
  const verdict = await verifyRegistration(rp, decoded.credential, matches);
  if (!verdict.verified) throw new Error(`registration refused: ${verdict.reason}`);
  return verdict.passkey;
}

async function authenticateWith(rp: RelyingParty, allow: string[], callOptions = '{}'): Promise<{ outcome: Outcome; matches: ChallengeMatch }> {
  const { bytes, matches } = challenge();
  const options = await authenticationOptions(rp, { challenge: bytes, timeoutMs: 60_000, allowCredentials: allow.map((id) => ({ id })) });
  return { outcome: await inPage(`return helper.authenticate(${JSON.stringify(options)}, ${callOptions});`), matches };
}

async function loggedIn(rp: RelyingParty, passkey: RegisteredPasskey, allow: string[]) {
  const { outcome, matches } = await authenticateWith(rp, allow);
  const encoded = encodedOf(outcome);
  // Standard, padded base64 (the documented encoding), not base64url.
  expect(encoded).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
  expect(encoded.length % 4).toBe(0);
  const decoded = decodeAuthenticationResult(encoded);
  expect(decoded.credential.id).toBe(passkey.credentialId);
  return verifyAuthentication(rp, decoded.credential, passkey, matches);
}

describe('the passkey helper module in Chromium', () => {
  for (const resident of [true, false]) {
    for (const uv of [true, false]) {
      it(`registers and logs in: resident key ${resident ? 'on' : 'off'}, user verification ${uv ? 'on' : 'off'}`, async () => {
        authenticator = await virtualAuthenticator(browser.page, { transport: resident ? 'internal' : 'usb', residentKey: resident, userVerification: uv });
        expect(await inPage('return helper.isSupported();')).toEqual({ value: true });
        // An app that requires user verification gets it from an authenticator that can.
        const rp = relyingParty(uv ? 'required' : 'preferred');
        const passkey = await registered(rp);
        expect(passkey.userVerified).toBe(uv);
        const [stored] = await authenticator.credentials();
        expect(stored?.isResidentCredential).toBe(resident);

        const named = await loggedIn(rp, passkey, [passkey.credentialId]);
        expect(named).toMatchObject({ verified: true, userVerified: uv });
        // Usernameless: no allowed credentials, the browser looks for a discoverable one.
        if (resident && uv) {
          const usernameless = await loggedIn(rp, { ...passkey, counter: named.verified ? named.counter : 0 }, []);
          expect(usernameless).toMatchObject({ verified: true, userVerified: true });
        } else {
          // Chromium 156 offers no discoverable credential of an authenticator that cannot verify its
          // user (measured; asking for credProtect "userVerificationOptional" changes nothing), nor
          // of one that keeps none: the browser's NotAllowedError reaches the caller as it is.
          const { outcome } = await authenticateWith(rp, []);
          expect(outcome).toMatchObject({ error: { name: 'NotAllowedError', domException: true } });
        }
      });
    }
  }

  it('builds the same results without the browser JSON helpers (older Safari and Firefox)', async () => {
    await browser.page.evaluate(`(() => {
      delete PublicKeyCredential.parseCreationOptionsFromJSON;
      delete PublicKeyCredential.parseRequestOptionsFromJSON;
      delete PublicKeyCredential.prototype.toJSON;
    })()`);
    expect(await browser.page.evaluate('typeof PublicKeyCredential.parseCreationOptionsFromJSON + typeof PublicKeyCredential.prototype.toJSON')).toBe('undefinedundefined');
    authenticator = await virtualAuthenticator(browser.page, { transport: 'internal', residentKey: true, userVerification: true });
    const rp = relyingParty('required');
    const passkey = await registered(rp);
    expect(passkey.transports).toEqual(['internal']);
    expect(await loggedIn(rp, passkey, [passkey.credentialId])).toMatchObject({ verified: true, userVerified: true });
  });

  it("rejects with the browser's DOMException, unchanged: an aborted login, an excluded authenticator", async () => {
    authenticator = await virtualAuthenticator(browser.page, { transport: 'internal', residentKey: true, userVerification: true });
    const rp = relyingParty('preferred');
    const passkey = await registered(rp);

    const aborted = await authenticateWith(rp, [passkey.credentialId], '{ signal: AbortSignal.abort() }');
    expect(aborted.outcome).toMatchObject({ error: { name: 'AbortError', domException: true } });

    // The device already holds one of the user's passkeys: the browser refuses a second.
    const excluded = await registerWith(rp, { excludeCredentials: [{ id: passkey.credentialId }] });
    expect(excluded.outcome).toMatchObject({ error: { name: 'InvalidStateError', domException: true } });
  });

  it('reports NotSupportedError where the page has no WebAuthn', async () => {
    await browser.page.evaluate('delete window.PublicKeyCredential');
    expect(await inPage('return helper.isSupported();')).toEqual({ value: false });
    const { outcome } = await registerWith(relyingParty('preferred'));
    expect(outcome).toMatchObject({ error: { name: 'NotSupportedError', domException: true } });
  });

  it('loaded with no console error, and from its own server only', () => {
    expect(browser.errors).toEqual([]);
    expect(browser.requests.filter((url) => !url.startsWith(origin) && !url.startsWith(moduleUrl))).toEqual([]);
  });
});
