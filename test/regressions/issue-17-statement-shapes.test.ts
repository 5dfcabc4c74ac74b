import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, testEngine, type TestDatabase } from '../helpers/db.js';
import { type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-catcher.js';
import { answer } from '../helpers/oidc-fixture.js';
import { createSoftAuthenticator, encodeResult } from '../helpers/soft-authenticator.js';
import { statementRecorder } from '../helpers/statement-shapes.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// Issue 17: the statements each hot step sends and the transaction they run in, pinned exactly
// (issue-8-statements.test.ts keeps the budgets). One line per statement run alone, one per
// transaction, led by its kind (test/helpers/statement-shapes.ts). When a step's shape changes on
// purpose, change its entry in SHAPES: the failure prints what the step sent now.
//
// `FOR UPDATE` in an entry is PostgreSQL's row lock: SQLite has none (its transactions are
// serialised), so on SQLite an entry is expected without it. A step whose shape differs between
// the engines in any other way gives one list per engine.

type Shape = readonly string[] | { readonly sqlite: readonly string[]; readonly postgresql: readonly string[] };

/** Lines of a step ending in a batch led by a flow's guarded UPDATE (src/repositories/stale-guard.ts):
 * on SQLite the UPDATE and the SELECT that checks its changes(), on PostgreSQL a writable CTE. */
const guardedFlowBatch = (lines: readonly string[], rest: string): Shape => ({
  sqlite: [...lines, `batch: UPDATE flow, SELECT, ${rest}`],
  postgresql: [...lines, `batch: WITH(UPDATE flow), ${rest}`],
});

const SHAPES: Record<string, Shape> = {
  // The app and its client are cached: a token is signed without the database.
  'client token': [],
  // Every step is optimistic (runner.step): plain reads, then its writes as one statement or one
  // batch, checked by the instance's version (and its log key, or the flow's guard); the locked
  // transaction runs only after a lost race.
  'OTP send (direct)': ['alone: SELECT user+user_app+credential', 'alone: SELECT flow', 'alone: INSERT flow'],
  'OTP send (direct, replacing a pending code)': guardedFlowBatch(['alone: SELECT user+user_app+credential', 'alone: SELECT flow'], 'DELETE delivery_job, INSERT flow'),
  'OTP authenticate (wrong code)': ['alone: SELECT user+user_app+credential', 'alone: SELECT flow', 'alone: UPDATE flow'],
  'OTP authenticate (right code)': guardedFlowBatch(['alone: SELECT user+user_app+credential', 'alone: SELECT flow'], 'INSERT session, UPDATE user, INSERT refresh_family'),
  // The last two lines record the first delivery attempt (the send waits for it).
  'OTP send (email)': guardedFlowBatch(['alone: SELECT user+user_app+credential', 'alone: SELECT flow', 'batch: INSERT flow, INSERT delivery_job', 'alone: SELECT flow'], 'DELETE delivery_job'),
  'magic-link send (email)': guardedFlowBatch(['alone: SELECT user+user_app+credential', 'alone: SELECT flow', 'batch: INSERT flow, INSERT delivery_job', 'alone: SELECT flow'], 'DELETE delivery_job'),
  'magic-link authenticate': guardedFlowBatch(['alone: SELECT flow', 'alone: SELECT user+user_app+credential'], 'INSERT session, UPDATE user, INSERT refresh_family'),
  'silent authentication': ['alone: SELECT session+user+user_app', 'batch: UPDATE session, INSERT session_event, INSERT refresh_family'],
  refresh: ['alone: SELECT refresh_family+user+user_app+session+refresh_token', 'batch: UPDATE refresh_family, INSERT refresh_family_event, INSERT refresh_token'],
  // Refused, yet written: the reuse revokes the family.
  'refresh (reuse: a rotated-out token)': ['alone: SELECT refresh_family+user+user_app+session+refresh_token', 'batch: UPDATE refresh_family, INSERT refresh_family_event'],
  logout: ['alone: SELECT session', 'batch: UPDATE session, INSERT session_event'],
  // Issue 18. A start reads the username's passkeys (the options list them) and inserts its ceremony.
  'passkey login start (username)': ['alone: SELECT credential', 'alone: INSERT flow'],
  // The ceremony's verdict (guarded), the passkey's, the ceremony's conclusion (guarded) and the
  // session's, in one batch.
  'passkey login': {
    sqlite: [
      'alone: SELECT flow',
      'alone: SELECT credential',
      'alone: SELECT user+user_app+credential',
      'batch: UPDATE flow, SELECT, UPDATE credential, INSERT credential_event, UPDATE flow, SELECT, INSERT session, UPDATE user, INSERT refresh_family',
    ],
    postgresql: [
      'alone: SELECT flow',
      'alone: SELECT credential',
      'alone: SELECT user+user_app+credential',
      'batch: WITH(UPDATE flow), UPDATE credential, INSERT credential_event, WITH(UPDATE flow), INSERT session, UPDATE user, INSERT refresh_family',
    ],
  },
};

const REDIRECT = 'https://app.example/verify';
const PASSKEY_ORIGIN = 'https://shaped.localhost';

let db: TestDatabase;
let smtp: SmtpCatcher;
let server: TestServer;
let client: TestClient;
let counter = 0;
const recorder = statementRecorder();
/** What each step sent, by the name of its entry in SHAPES. */
const measured = new Map<string, string[]>();

async function step<T extends { status: number }>(name: string, expected: number, work: () => Promise<T>): Promise<T> {
  let result: T | undefined;
  measured.set(
    name,
    await recorder.shapes(async () => {
      result = await work();
    }),
  );
  if (result === undefined) throw new Error(`${name} gave nothing`);
  expect(result.status, name).toBe(expected);
  return result;
}

async function newUser(): Promise<{ id: string; email: string }> {
  const email = `shaped${++counter}@example.com`;
  return { id: (await client.call('POST', '/cis/v1/users', { email })).body.result.user_id as string, email };
}

/** Runs every step once, in the order a user meets them, and keeps what each sent. */
async function runSteps(): Promise<void> {
  measured.set('client token', await recorder.shapes(() => client.token()));
  const user = await newUser();
  const asUser = { identifier_type: 'user_id', identifier: user.id };
  await step('OTP send (direct)', 200, () => client.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', ...asUser }));
  const sent = await step('OTP send (direct, replacing a pending code)', 200, () => client.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', ...asUser }));
  const wrong = sent.body.code === '000000' ? '111111' : '000000';
  await step('OTP authenticate (wrong code)', 400, () => client.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: wrong, ...asUser }));
  const tokens = (await step('OTP authenticate (right code)', 200, () => client.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: sent.body.code, ...asUser }))).body;
  await step('silent authentication', 200, () => client.call('POST', '/cis/v1/auth/session/authenticate', { session_id: tokens.session_id }));
  await step('refresh', 200, () => client.call('POST', '/cis/v1/auth/token/refresh', { refresh_token: tokens.refresh_token }));
  await step('refresh (reuse: a rotated-out token)', 400, () => client.call('POST', '/cis/v1/auth/token/refresh', { refresh_token: tokens.refresh_token }));
  await step('logout', 204, () => client.call('POST', '/cis/v1/auth/session/logout', { session_id: tokens.session_id }));
  const emailed = await newUser();
  await step('OTP send (email)', 200, () => client.call('POST', '/cis/v1/auth/otp/send', { channel: 'email', identifier_type: 'user_id', identifier: emailed.id }));
  await smtp.nextMail();
  const linked = await newUser();
  await step('magic-link send (email)', 200, () => client.call('POST', '/cis/v1/auth/link/email/send', { identifier: linked.email, identifier_type: 'email', redirect_uri: REDIRECT }));
  const mail = await smtp.nextMail();
  const link = /(http:\/\/127\.0\.0\.1:\d+\/cis\/v1\/auth\/link\/email\/redirect\?token=[A-Za-z0-9_%-]+)/.exec(mail.text)?.[1] ?? '';
  const code = new URL(link).searchParams.get('token');
  await step('magic-link authenticate', 200, () => client.call('POST', '/cis/v1/auth/link/email/authenticate', { code }));
  await passkeySteps();
}

/** Issue 18: a passkey login (registered beforehand, unmeasured), through the software authenticator. */
async function passkeySteps(): Promise<void> {
  const holder = await newUser();
  const sent = await client.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'user_id', identifier: holder.id });
  const tokens = (await client.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: sent.body.code, identifier_type: 'user_id', identifier: holder.id })).body;
  const authenticator = createSoftAuthenticator();
  const start = (path: string, body: object) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: client.clientId, ...body }) }).then(answer);
  const registration = await start('/cis/v1/auth/webauthn/register/start', { username: 'shaped' });
  const encoded = encodeResult(authenticator.register(registration.body.credential_creation_options, PASSKEY_ORIGIN));
  const registered = await fetch(`${server.url}/cis/v1/auth/webauthn/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.access_token}` },
    body: JSON.stringify({ webauthn_encoded_result: encoded }),
  });
  expect(registered.status).toBe(200);
  const login = await step('passkey login start (username)', 200, () => start('/cis/v1/auth/webauthn/authenticate/start', { username: 'shaped' }));
  const assertion = encodeResult(authenticator.authenticate(login.body.credential_request_options, PASSKEY_ORIGIN));
  await step('passkey login', 200, () => client.call('POST', '/cis/v1/auth/webauthn/authenticate', { webauthn_encoded_result: assertion }));
}

beforeAll(async () => {
  db = await freshDatabase();
  smtp = await startSmtpCatcher();
  server = await startTestServer({ databaseUrl: db.url, smtpUrl: smtp.url, observe: recorder.observe });
  client = await server.createApp({ name: 'Shaped', redirectUris: [REDIRECT], webauthn: { rp_id: 'shaped.localhost', origins: [PASSKEY_ORIGIN] } });
  await client.token();
  await runSteps();
});

afterAll(async () => {
  await server?.close();
  await smtp?.close();
  await db?.drop();
});

/** The entry as this engine runs it. */
function expectedOn(shape: Shape): readonly string[] {
  const engine = testEngine();
  if ('sqlite' in shape) return shape[engine];
  return engine === 'postgresql' ? shape : shape.map((line) => line.replaceAll(' FOR UPDATE', ''));
}

describe('issue 17: the statements of each hot step and their transactions', () => {
  it('measures every step SHAPES names, and only those', () => {
    expect([...measured.keys()].sort()).toEqual(Object.keys(SHAPES).sort());
  });

  it.each(Object.keys(SHAPES))('%s', (name) => {
    const shape = SHAPES[name];
    if (shape === undefined) throw new Error(`no shape for ${name}`);
    const sent = measured.get(name);
    expect(sent, `${name} now sends:\n${JSON.stringify(sent, null, 2)}`).toEqual(expectedOn(shape));
  });
});
