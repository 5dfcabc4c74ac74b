import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFamily } from '../../src/repositories/refresh-family-repository.js';
import { readSession } from '../../src/repositories/session-repository.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// Issue 17 §1: the concurrency guarantees a faster step must keep, on both engines. Fifty requests
// presenting one secret at once (through inject(), against a real database): one wins, every other
// gets the answer the machine gives a secret already used, never a 409 or a 500.
//
// A request may be told the database is busy (503 DATABASE_BUSY: its transaction could not start in
// time, nothing was written; seen on PostgreSQL on a loaded machine, where fifty interactive
// transactions queue for ten pooled connections). The caller does what that answer says, it
// retries, so what is pinned is the answer each request ends with.

const AT_ONCE = 50;
/** Retries of one request told the database is busy, before its 503 stands as its answer. */
const BUSY_RETRIES = 20;
const REDIRECT = 'https://app.example/verify';

let db: TestDatabase;
let server: TestServer;
let client: TestClient;
let counter = 0;

beforeAll(async () => {
  db = await freshDatabase();
  // The limits would answer 429 before the machine is asked: lifted, so the race is the machine's.
  server = await startTestServer({ databaseUrl: db.url, env: { RATE_LIMIT_AUTHENTICATE_MAX: '100000', RATE_LIMIT_SILENT_AUTH_MAX: '100000', RATE_LIMIT_SEND_MAX: '100000' } });
  client = await server.createApp({ name: 'Raced', redirectUris: [REDIRECT] });
  await client.token();
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

type Answer = { status: number; body: any };

/** One call, made again while it is answered "busy, retry" (at once: the test has no clock to wait on). */
async function retriedWhileBusy(call: () => Promise<Answer>): Promise<Answer> {
  for (let retry = 0; ; retry++) {
    const answer = await call();
    if (answer.status !== 503 || answer.body?.message !== 'The server is busy; retry shortly' || retry === BUSY_RETRIES) return answer;
  }
}

/** `AT_ONCE` copies of one call, all started before any is answered. */
const atOnce = (call: () => Promise<Answer>): Promise<Answer[]> => Promise.all(Array.from({ length: AT_ONCE }, () => retriedWhileBusy(call)));

/** How many answers had each status and refusal message, e.g. { '200': 1, '400 Invalid refresh token': 49 }. */
function tally(answers: readonly Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { status, body } of answers) {
    const key = status === 200 ? '200' : `${status} ${body?.message ?? ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function newUser(): Promise<{ id: string; email: string }> {
  const email = `raced${++counter}@example.com`;
  const created = await client.call('POST', '/cis/v1/users', { email });
  expect(created.status).toBe(201);
  return { id: created.body.result.user_id as string, email };
}

async function passcode(userId: string): Promise<string> {
  const sent = await client.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'user_id', identifier: userId });
  expect(sent.status).toBe(200);
  return sent.body.code as string;
}

async function otpLogin(userId: string): Promise<{ session_id: string; refresh_token: string }> {
  const answer = await client.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: await passcode(userId), identifier_type: 'user_id', identifier: userId });
  expect(answer.status).toBe(200);
  return answer.body;
}

describe('issue 17: one winner of 50 on both engines', () => {
  it('one OTP code presented 50 times at once logs in once', async () => {
    const user = await newUser();
    const code = await passcode(user.id);
    const answers = await atOnce(() => client.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: code, identifier_type: 'user_id', identifier: user.id }));
    expect(tally(answers)).toEqual({ '200': 1, '400 Invalid credentials': AT_ONCE - 1 });
    expect(answers.find((answer) => answer.status === 200)?.body).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String) });
    expect(await db.storage.db.session.count({ where: { userId: user.id } })).toBe(1);
  });

  it('50 guesses at one passcode at once compare no more codes than allowed', async () => {
    const user = await newUser();
    const code = await passcode(user.id);
    const guesses = Array.from({ length: AT_ONCE }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'));
    const answers = await Promise.all(
      guesses.map((guess) => retriedWhileBusy(() => client.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: guess, identifier_type: 'user_id', identifier: user.id }))),
    );
    // Each guess is counted before it is compared (the app's default: 3 failures): two are told
    // they were wrong, the third failure locks the user out, and every later one finds the lock.
    expect(tally(answers)).toEqual({ '400 Invalid credentials': 2, '403 Too many failed attempts; try again later': AT_ONCE - 2 });
  });

  it('one magic-link code presented 50 times at once logs in once', async () => {
    const user = await newUser();
    const sent = await client.call('POST', '/cis/v1/auth/link/email/send', { identifier: user.email, identifier_type: 'email', redirect_uri: REDIRECT, channel: 'direct' });
    expect(sent.status).toBe(200);
    // The link's token is the code the redirect hands the app.
    const code = new URL(sent.body.link).searchParams.get('token');
    const answers = await atOnce(() => client.call('POST', '/cis/v1/auth/link/email/authenticate', { code }));
    expect(tally(answers)).toEqual({ '200': 1, '400 Invalid magic link code': AT_ONCE - 1 });
    expect(answers.find((answer) => answer.status === 200)?.body).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String) });
    expect(await db.storage.db.session.count({ where: { userId: user.id } })).toBe(1);
  });

  it('50 silent authentications of one session at once all answer, and its log stays contiguous', async () => {
    const user = await newUser();
    const tokens = await otpLogin(user.id);
    const answers = await atOnce(() => client.call('POST', '/cis/v1/auth/session/authenticate', { session_id: tokens.session_id }));
    expect(tally(answers)).toEqual({ '200': AT_ONCE });
    const session = await db.storage.db.session.findFirstOrThrow({ where: { userId: user.id } });
    const log = (await readSession(db.storage.db, session.id))?.events ?? [];
    expect(log.map((event) => event.seq)).toEqual(Array.from({ length: AT_ONCE + 1 }, (_, i) => i + 1));
  });

  it('one refresh token presented 50 times at once rotates once, and the reuse revokes its family', async () => {
    const user = await newUser();
    const tokens = await otpLogin(user.id);
    const answers = await atOnce(() => client.call('POST', '/cis/v1/auth/token/refresh', { refresh_token: tokens.refresh_token }));
    expect(tally(answers)).toEqual({ '200': 1, '400 Invalid refresh token': AT_ONCE - 1 });
    const family = await db.storage.db.refreshFamily.findFirstOrThrow({ where: { userId: user.id } });
    expect(family.stateValue).toMatch(/^revoked\./);
    // Every presentation reached the family's machine: the first as its current token, each later
    // one as a token it had rotated out (reuse), none lost as "not found" behind the first one's lock.
    const log = (await readFamily(db.storage.db, family.id))?.events ?? [];
    expect(log.map((event) => [event.seq, event.type === 'token.presented' ? event.fields.token : event.type])).toEqual([
      [1, 'xstate.init'],
      [2, 'current'],
      ...Array.from({ length: AT_ONCE - 1 }, (_, i) => [i + 3, 'rotatedOut']),
    ]);
    // So the token the winner was handed is refused too: whoever presented the old one twice may be a thief.
    const rotated = answers.find((answer) => answer.status === 200)?.body.refresh_token as string;
    expect((await client.call('POST', '/cis/v1/auth/token/refresh', { refresh_token: rotated })).status).toBe(400);
  });

  it('one refresh token presented twice at once is reuse, whichever order the two take', async () => {
    // The smallest race, where a lost presentation left the family standing (PostgreSQL, before
    // findPresentedToken picked the family by id): a few rounds, as the two may or may not overlap.
    for (let round = 0; round < 5; round++) {
      const user = await newUser();
      const tokens = await otpLogin(user.id);
      const both = await Promise.all([0, 1].map(() => retriedWhileBusy(() => client.call('POST', '/cis/v1/auth/token/refresh', { refresh_token: tokens.refresh_token }))));
      expect(tally(both)).toEqual({ '200': 1, '400 Invalid refresh token': 1 });
      const family = await db.storage.db.refreshFamily.findFirstOrThrow({ where: { userId: user.id } });
      expect(family.stateValue).toBe('revoked.reuseDetected');
    }
  });
});
