import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { clientFor, startTestServer, type TestServer } from '../helpers/test-server.js';

// The admin API refuses what the flows could not use (issue 7, point 7): login_preferences outside
// Mosaic's ranges (mosaic-backend-api.md §5.2), of the wrong type or unknown, and redirect URIs a
// code must never be sent to. A refusal is a 400 `{ message: string[], error_code: 400 }` that
// names the field, and it changes nothing; a valid configuration round-trips and works.

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer({ databaseUrl: db.url });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

type Answer = { status: number; body: any };

async function admin(method: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.config.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : JSON.parse(text) };
}

const BASE = { name: 'Shop', redirect_uris: ['https://app.example/verify'] };
const create = (body: Record<string, unknown>) => admin('POST', '/admin/v1/applications', { ...BASE, ...body });
const patch = (appId: string, body: Record<string, unknown>) => admin('PATCH', `/admin/v1/applications/${appId}`, body);
const get = async (appId: string) => (await admin('GET', `/admin/v1/applications/${appId}`)).body;

/** A 400 in the validation shape whose messages name `field`. */
function expectRefused(answer: Answer, field: string, label: string): void {
  expect(answer.status, `${label}: ${JSON.stringify(answer.body)}`).toBe(400);
  expect(Object.keys(answer.body).sort()).toEqual(['error_code', 'message']);
  expect(answer.body.error_code).toBe(400);
  expect(answer.body.message, label).toEqual(expect.arrayContaining([expect.stringContaining(field)]));
}

/** Every preference a valid app may set, at the edges of the ranges. */
const FULL_PREFERENCES = {
  email: { expiresIn: 10_080, message: { primaryColor: '#6981FF', from: 'Shop', subject: 'Your sign-in link' } },
  email_otp: { expiresIn: 1, maxFailures: 20, lockoutDuration: 1440, codeLength: 4, message: { primaryColor: '#abc', from: 'Shop codes', subject: 'Your code' } },
  sms: { expiresIn: 1440, maxFailures: 1, lockoutDuration: 1, codeLength: 8 },
  direct_otp: { expiresIn: 10, maxFailures: 5, lockoutDuration: 30, codeLength: 7 },
  totp: { algorithm: 'sha256', digits: 8, period: 60, window: 0, issuer: 'Shop Inc.', maxFailures: 5, lockoutDuration: 15 },
  password: {
    resetValidityMinutes: 60,
    passwordComplexity: 1,
    passwordMinLength: 5,
    blockPreviousPasswords: 0,
    checkHibp: true,
    checkDictionary: false,
    passwordExpiresIn: 1096,
    ignoreExpiration: false,
    maxPasswordFailures: 20,
    passwordSuspensionDuration: 15,
    failuresExpireIn: 15,
    tempPasswordValidityHours: 8760,
    message: { primaryColor: '#000000', from: 'Shop', subject: 'Reset your password' },
    requireMFA: true,
    codeLength: 6,
    notifyOnPasswordUpdate: true,
  },
  mfa: { required: true, methods: ['eml', 'eotp', 'sms', 'totp', 'otp', 'pwd', 'webauthn'] },
};

const P = 'body.login_preferences';
/** [preferences, the field the refusal must name]: out of range, wrong type, unknown. */
const BAD_PREFERENCES: Array<[unknown, string]> = [
  // Out of Mosaic's ranges (or ours where §5.2 gives none).
  [{ sms: { codeLength: 3 } }, `${P}.sms.codeLength`],
  [{ sms: { codeLength: 9 } }, `${P}.sms.codeLength`],
  [{ email_otp: { maxFailures: 0 } }, `${P}.email_otp.maxFailures`],
  [{ email_otp: { maxFailures: 21 } }, `${P}.email_otp.maxFailures`],
  [{ direct_otp: { expiresIn: 1441 } }, `${P}.direct_otp.expiresIn`],
  [{ sms: { expiresIn: 0 } }, `${P}.sms.expiresIn`],
  [{ sms: { lockoutDuration: 1441 } }, `${P}.sms.lockoutDuration`],
  [{ email: { expiresIn: 0 } }, `${P}.email.expiresIn`],
  [{ email: { expiresIn: 10_081 } }, `${P}.email.expiresIn`],
  [{ totp: { digits: 7 } }, `${P}.totp.digits`],
  [{ totp: { period: 0 } }, `${P}.totp.period`],
  [{ totp: { window: 6 } }, `${P}.totp.window`],
  [{ totp: { maxFailures: 21 } }, `${P}.totp.maxFailures`],
  [{ password: { resetValidityMinutes: 4 } }, `${P}.password.resetValidityMinutes`],
  [{ password: { passwordComplexity: 6 } }, `${P}.password.passwordComplexity`],
  [{ password: { passwordMinLength: 15 } }, `${P}.password.passwordMinLength`],
  [{ password: { blockPreviousPasswords: -1 } }, `${P}.password.blockPreviousPasswords`],
  [{ password: { passwordExpiresIn: 1097 } }, `${P}.password.passwordExpiresIn`],
  [{ password: { maxPasswordFailures: 0 } }, `${P}.password.maxPasswordFailures`],
  [{ password: { tempPasswordValidityHours: 8761 } }, `${P}.password.tempPasswordValidityHours`],
  [{ password: { codeLength: 9 } }, `${P}.password.codeLength`],
  // Wrong type or form.
  [[], P],
  ['sms', P],
  [null, P],
  [{ sms: 6 }, `${P}.sms`],
  [{ sms: { codeLength: '6' } }, `${P}.sms.codeLength`],
  [{ sms: { expiresIn: 2.5 } }, `${P}.sms.expiresIn`],
  [{ email: { expiresIn: '15' } }, `${P}.email.expiresIn`],
  [{ email: { message: 'Hi' } }, `${P}.email.message`],
  [{ email: { message: { primaryColor: 'red' } } }, `${P}.email.message.primaryColor`],
  [{ email: { message: { primaryColor: '#12345' } } }, `${P}.email.message.primaryColor`],
  [{ email: { message: { primaryColor: '#fff;background:url(https://evil.example)' } } }, `${P}.email.message.primaryColor`],
  [{ email_otp: { message: { from: 'Shop\r\nBcc: victim@example.com' } } }, `${P}.email_otp.message.from`],
  [{ email: { message: { subject: '' } } }, `${P}.email.message.subject`],
  [{ totp: { algorithm: 'md5' } }, `${P}.totp.algorithm`],
  [{ totp: { issuer: 'Shop:Admin' } }, `${P}.totp.issuer`],
  [{ password: { checkHibp: 'true' } }, `${P}.password.checkHibp`],
  [{ mfa: {} }, `${P}.mfa`],
  [{ mfa: { required: 'yes' } }, `${P}.mfa.required`],
  [{ mfa: { required: true, methods: 'eml' } }, `${P}.mfa.methods`],
  [{ mfa: { required: true, methods: ['eml', 'eml'] } }, `${P}.mfa.methods`],
  [{ mfa: { required: true, methods: ['mfa'] } }, `${P}.mfa.methods.0`],
  [{ mfa: { required: true, methods: ['passkey'] } }, `${P}.mfa.methods.0`],
  // Unknown methods and fields.
  [{ webauthn: {} }, 'unknown field "webauthn"'],
  [{ sms: { codeLenght: 6 } }, 'unknown field "codeLenght"'],
  [{ email: { message: { logo: 'x' } } }, 'unknown field "logo"'],
  [{ totp: { secret: 'ABC' } }, 'unknown field "secret"'],
  [{ password: { minLength: 8 } }, 'unknown field "minLength"'],
  [{ mfa: { required: true, level: 2 } }, 'unknown field "level"'],
];

/** [redirect URI, why it is refused]: one per class the rule forbids. */
const BAD_REDIRECTS: Array<[string, string]> = [
  ['javascript:alert(1)', 'javascript: scheme'],
  [' JavaScript:alert(1)', 'javascript: scheme'],
  ['data:text/html,<script>alert(1)</script>', 'data: scheme'],
  ['vbscript:msgbox(1)', 'vbscript: scheme'],
  ['file:///etc/passwd', 'file: scheme'],
  ['http://app.example/verify', 'loopback'],
  ['https://user@app.example/verify', 'userinfo'],
  ['https://app.example/verify#', 'fragment'],
  ['https://app.example/verify#top', 'fragment'],
  ['myapp:/callback', 'reverse-DNS'],
  ['not a uri', 'control characters'],
  ['https:app.example', 'https://host'],
  ['https://app.example/%zz', 'not a valid URI'],
];
const GOOD_REDIRECTS = ['https://app.example/verify', 'http://localhost:3000/verify', 'http://127.0.0.1:8080/cb', 'http://[::1]:8080/cb', 'com.example.app:/callback'];

describe('login_preferences', () => {
  it('create: each out-of-range, wrong-type or unknown preference is 400 naming the field, and no app is created', async () => {
    const before = await db.storage.db.app.count();
    for (const [preferences, field] of BAD_PREFERENCES) {
      expectRefused(await create({ login_preferences: preferences }), field, JSON.stringify(preferences));
    }
    expect(await db.storage.db.app.count()).toBe(before);
  });

  it('patch: each refused preference is 400 and the app keeps its name and preferences', async () => {
    const app = (await create({ name: 'Patched', login_preferences: { sms: { codeLength: 8 } } })).body;
    const stored = await get(app.app_id);
    expect(stored.login_preferences).toEqual({ sms: { codeLength: 8 } });
    for (const [preferences, field] of BAD_PREFERENCES) {
      expectRefused(await patch(app.app_id, { name: 'Renamed', login_preferences: preferences }), field, JSON.stringify(preferences));
    }
    expect(await get(app.app_id)).toEqual(stored);
  });

  it('a full valid preferences object is accepted on create and patch and round-trips exactly', async () => {
    const created = await create({ login_preferences: FULL_PREFERENCES });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.login_preferences).toEqual(FULL_PREFERENCES);
    expect((await get(created.body.app_id)).login_preferences).toEqual(FULL_PREFERENCES);

    const plain = (await create({ name: 'Plain' })).body;
    expect(plain.login_preferences).toEqual({});
    const patched = await patch(plain.app_id, { login_preferences: FULL_PREFERENCES });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect((await get(plain.app_id)).login_preferences).toEqual(FULL_PREFERENCES);
    // Each method alone, and `mfa` without a method list, is valid too.
    for (const [key, value] of [...Object.entries(FULL_PREFERENCES), ['mfa', { required: false }]] as const) {
      const one = await patch(plain.app_id, { login_preferences: { [key]: value } });
      expect(one.status, key).toBe(200);
      expect((await get(plain.app_id)).login_preferences).toEqual({ [key]: value });
    }
  });

  it('an app with full preferences sends: the direct passcode has the configured length, the magic link is made', async () => {
    const created = (await create({ login_preferences: FULL_PREFERENCES })).body;
    const client = clientFor(server.url, created);
    expect((await client.call('POST', '/cis/v1/users', { email: 'prefs@example.com' })).status).toBe(201);
    const otp = await client.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'email', identifier: 'prefs@example.com' });
    expect(otp.status, JSON.stringify(otp.body)).toBe(200);
    expect(otp.body.code).toMatch(/^\d{7}$/);
    const link = await client.call('POST', '/cis/v1/auth/link/email/send', { email: 'prefs@example.com', redirect_uri: 'https://app.example/verify', channel: 'direct' });
    expect(link.status, JSON.stringify(link.body)).toBe(200);
    expect(link.body.link).toEqual(expect.any(String));
  });
});

describe('redirect_uris', () => {
  it('create: each forbidden class is 400 naming the index and why, and no app is created', async () => {
    const before = await db.storage.db.app.count();
    for (const [uri, why] of BAD_REDIRECTS) {
      const refused = await create({ redirect_uris: ['https://app.example/ok', uri] });
      expectRefused(refused, 'body.redirect_uris.1 ', uri);
      expect(refused.body.message, uri).toEqual([expect.stringContaining(why)]);
    }
    expect(await db.storage.db.app.count()).toBe(before);
  });

  it('patch: each forbidden class is 400 and the app keeps its redirect URIs', async () => {
    const app = (await create({ name: 'Redirects' })).body;
    const stored = await get(app.app_id);
    for (const [uri, why] of BAD_REDIRECTS) {
      const refused = await patch(app.app_id, { name: 'Renamed', redirect_uris: [uri] });
      expectRefused(refused, 'body.redirect_uris.0 ', uri);
      expect(refused.body.message, uri).toEqual([expect.stringContaining(why)]);
    }
    expect(await get(app.app_id)).toEqual(stored);
  });

  it('every offending URI of a list is named', async () => {
    const refused = await create({ redirect_uris: ['javascript:alert(1)', 'https://app.example/ok', 'https://app.example/#'] });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toEqual([expect.stringMatching(/^body\.redirect_uris\.0 .*javascript/), expect.stringMatching(/^body\.redirect_uris\.2 .*fragment/)]);
  });

  it('https, loopback http and reverse-DNS private-use URIs are accepted on create and patch', async () => {
    const created = await create({ redirect_uris: GOOD_REDIRECTS });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await get(created.body.app_id)).redirect_uris).toEqual(GOOD_REDIRECTS);
    const reversed = [...GOOD_REDIRECTS].reverse();
    const patched = await patch(created.body.app_id, { redirect_uris: reversed });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect((await get(created.body.app_id)).redirect_uris).toEqual(reversed);
  });
});
