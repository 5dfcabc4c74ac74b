import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-catcher.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// Issue 7 §9: lockout is consistent. While an identifier is locked out of passcodes a send answers
// auth_locked and delivers nothing; a missing request_id or an unusable session_id is refused
// before an attempt is counted (the attack run could burn a user's attempts with either).

const MINUTE = 60_000;
let db: TestDatabase;
let smtp: SmtpCatcher;
let server: TestServer;
let client: TestClient;
let counter = 0;

beforeAll(async () => {
  db = await freshDatabase();
  smtp = await startSmtpCatcher();
  server = await startTestServer({ databaseUrl: db.url, smtpUrl: smtp.url, env: { RATE_LIMIT_AUTHENTICATE_MAX: '100' } });
  client = await server.createApp({ name: 'Lockout' });
});

afterAll(async () => {
  await server?.close();
  await smtp?.close();
  await db?.drop();
});

async function newUser(): Promise<{ id: string; email: string }> {
  counter += 1;
  const email = `lock${counter}@example.com`;
  const created = await client.call('POST', '/cis/v1/users', { email });
  return { id: created.body.result.user_id, email };
}
const send = (body: object) => client.call('POST', '/cis/v1/auth/otp/send', body);
const authenticate = (body: object) => client.call('POST', '/cis/v1/auth/otp/authenticate', body);
const attemptsOf = async (userId: string) => ((await db.storage.db.flow.findFirstOrThrow({ where: { userId, kind: 'otp' }, orderBy: { createdAt: 'desc' } })).context as { attempts: number }).attempts;

describe('issue 7: lockout is consistent', () => {
  it('while locked out, an email send answers auth_locked and no mail leaves; after the lockout it sends again', async () => {
    const user = await newUser();
    const id = { identifier_type: 'email', identifier: user.email };
    const { code } = (await send({ channel: 'direct', ...id })).body;
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i++) await authenticate({ passcode: wrong, ...id });
    const mailsBefore = smtp.mails.length;
    const refused = await send({ channel: 'email', ...id });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ message: 'Too many failed attempts; try again later', error_code: 'auth_locked' });
    expect(smtp.mails.length).toBe(mailsBefore);
    // The refusal is a state of the flow, kept in its log.
    const flow = await db.storage.db.flow.findFirstOrThrow({ where: { kind: 'otp', userId: user.id, stateValue: 'lockedOut.refusedSend' } });
    expect(flow.secretHash).toBeNull();
    server.clock.advance(15 * MINUTE);
    try {
      expect((await send({ channel: 'email', ...id })).status).toBe(200);
      expect((await smtp.nextMail()).to).toEqual([user.email]);
    } finally {
      server.clock.advance(-15 * MINUTE);
    }
  });

  it('a missing or wrong request_id is refused without counting an attempt', async () => {
    const user = await newUser();
    const id = { identifier_type: 'email', identifier: user.email };
    const sent = (await send({ channel: 'direct', ...id, generate_request_id: true })).body;
    for (let i = 0; i < 5; i++) {
      const refused = await authenticate({ passcode: sent.code, ...id, ...(i % 2 === 0 ? {} : { request_id: 'not-it' }) });
      expect(refused.status).toBe(400);
      expect(refused.body.error_code).toBe('system_invalid_input');
    }
    expect(await attemptsOf(user.id)).toBe(0);
    expect((await authenticate({ passcode: sent.code, ...id, request_id: sent.request_id })).status).toBe(200);
  });

  it('an unknown, other-user or logged-out session_id is refused without counting an attempt', async () => {
    const user = await newUser();
    const other = await newUser();
    const id = { identifier_type: 'email', identifier: user.email };
    const otherCode = (await send({ channel: 'direct', identifier_type: 'email', identifier: other.email })).body.code;
    const otherSession = (await authenticate({ passcode: otherCode, identifier_type: 'email', identifier: other.email })).body.session_id;
    const loggedOutCode = (await send({ channel: 'direct', ...id })).body.code;
    const loggedOut = (await authenticate({ passcode: loggedOutCode, ...id })).body.session_id;
    expect((await client.call('POST', '/cis/v1/auth/session/logout', { session_id: loggedOut })).status).toBe(204);

    const { code } = (await send({ channel: 'direct', ...id })).body;
    for (const session_id of ['no-such-session', otherSession, loggedOut, 'x', otherSession]) {
      const refused = await authenticate({ passcode: code, ...id, session_id });
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({ message: 'Session not found', error_code: 400 });
    }
    expect(await attemptsOf(user.id)).toBe(0);
    expect((await authenticate({ passcode: code, ...id })).status).toBe(200);
  });
});
