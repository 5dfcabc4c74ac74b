import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countingHasher } from '../helpers/counting-hasher.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// Issue 15, point 4: 100 password logins in flight for random usernames all answered 400 while
// every token waited behind their Argon2 work. Now password work goes through a gate: one
// comparison at a time here (ARGON2_CONCURRENCY=1), two waiting (ARGON2_QUEUE_MAX=2), and the rest
// turned away at once with 503 + Retry-After, before anything is looked up or counted, whoever
// they name. The running comparison is held at a gate of the test's, so nothing depends on timing.

const STRONG = 'Correct-Horse-42-battery';

let db: TestDatabase;
let server: TestServer;
let bank: TestClient;
const counted = countingHasher();
/** The server's log at warn, as an operator reads it. */
const logLines: { msg: string; shed?: number }[] = [];

beforeAll(async () => {
  db = await freshDatabase();
  // The per-user limit is low enough to show that a login turned away was not counted against it.
  server = await startTestServer({
    databaseUrl: db.url,
    passwordHasher: counted.hasher,
    env: { ARGON2_CONCURRENCY: '1', ARGON2_QUEUE_MAX: '2', RATE_LIMIT_AUTHENTICATE_MAX: '4', LOG_LEVEL: 'warn' },
    logStream: { write: (line) => void logLines.push(JSON.parse(line)) },
  });
  bank = await server.createApp({ name: 'Bank' });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

type Answer = Awaited<ReturnType<TestClient['call']>>;
const login = (username: string, password: string) => bank.call('POST', '/cis/v1/auth/password/authenticate', { username, password });

/** The first `count` answers to arrive, whichever requests they answer. */
function firstAnswers(requests: readonly Promise<Answer>[], count: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  return new Promise((resolve, reject) => {
    for (const request of requests) {
      request.then((answer) => {
        answers.push(answer);
        if (answers.length === count) resolve([...answers]);
      }, reject);
    }
  });
}

async function attemptsCounted(userId: string): Promise<number> {
  const credential = await server.storage.db.credential.findFirstOrThrow({ where: { userId, kind: 'password' } });
  return (credential.context as { submitted: number }).submitted;
}

describe('issue 15: a flood of password logins is bounded', () => {
  it('turns away what is beyond the queue with 503 + Retry-After, having counted nothing, whoever it names', async () => {
    const created = await bank.call('POST', '/cis/v1/users', { username: 'target', credentials: { password: STRONG, force_replace: false } });
    expect(created.status).toBe(201);
    const userId = created.body.result.user_id as string;
    await bank.call('POST', '/cis/v1/users', { username: 'no-password' });

    // One login is counted and compares (held); the next two wait for the slot; the other seven are turned away.
    const [held] = counted.hold(1);
    if (held === undefined) throw new Error('a held comparison');
    const running = login('target', 'guess-0');
    await held.reached;
    const flood = Array.from({ length: 9 }, (_, index) => login('target', `guess-${index + 1}`));
    const turnedAway = await firstAnswers(flood, 7);
    const busy = { status: 503, body: { message: 'Too many password checks at once; retry shortly', error_code: 503 } };
    for (const answer of turnedAway) {
      expect(answer).toMatchObject(busy);
      expect(answer.headers.get('retry-after')).toBe('1');
    }
    expect(await attemptsCounted(userId)).toBe(1);

    // The same answer for nobody, for a user without a password, and for a password change: all
    // turned away before anything about them was looked up.
    const decoys = counted.count.verifyNothing;
    const others = await Promise.all([
      login('nobody', 'guess'),
      login('no-password', 'guess'),
      bank.call('PUT', `/cis/v1/users/${userId}/password`, { password: 'Another-Horse-43-battery', force_replace: false }),
    ]);
    for (const answer of others) {
      expect(answer).toMatchObject(busy);
      expect(answer.headers.get('retry-after')).toBe('1');
    }
    expect(counted.count.verifyNothing).toBe(decoys);

    held.release();
    const admitted = await Promise.all([running, ...flood]);
    expect(admitted.map((answer) => answer.status).sort()).toEqual([400, 400, 400, 503, 503, 503, 503, 503, 503, 503]);
    expect(await attemptsCounted(userId)).toBe(3);
    // The operator reads one line when the shedding began, one when the queue had drained.
    const hashingLines = logLines.filter(({ msg }) => msg.startsWith('password hashing'));
    expect(hashingLines.map(({ msg, shed }) => (shed === undefined ? msg : `${msg}: ${shed}`))).toEqual([
      'password hashing saturated: password requests beyond the queue answer 503 until it drains',
      'password hashing caught up: 10',
    ]);
    // Three counted against the per-user limit of 4: the fourth login is compared, the fifth limited.
    expect(await login('target', STRONG)).toMatchObject({ status: 200 });
    expect(await login('target', STRONG)).toMatchObject({ status: 429 });
  });
});

describe('issue 15: one app’s flood of unknown usernames spends a bounded number of decoy comparisons', () => {
  it('past the app’s budget, a login for nobody answers exactly as before, with no Argon2 work; other apps and real users keep theirs', async () => {
    const decoyCounted = countingHasher();
    const budgeted = await startTestServer({ databaseUrl: db.url, passwordHasher: decoyCounted.hasher, clock: server.clock, env: { ARGON2_DECOYS_PER_APP_MAX: '2' } });
    try {
      const flooding = await budgeted.createApp({ name: 'Flooding' });
      const other = await budgeted.createApp({ name: 'Other' });
      const created = await flooding.call('POST', '/cis/v1/users', { username: 'real', credentials: { password: STRONG, force_replace: false } });
      expect(created.status).toBe(201);
      await flooding.call('POST', '/cis/v1/users', { username: 'without-password' });
      const loginAt = (client: TestClient, username: string) => client.call('POST', '/cis/v1/auth/password/authenticate', { username, password: 'a-guess' });
      const refused = { status: 400, body: { message: 'Invalid credentials', error_code: 'auth_invalid_credentials' } };

      const within = [await loginAt(flooding, 'nobody-1'), await loginAt(flooding, 'without-password')];
      expect(decoyCounted.count.verifyNothing).toBe(2);
      const past = [await loginAt(flooding, 'nobody-2'), await loginAt(flooding, 'without-password'), await loginAt(flooding, 'nobody-3')];
      expect(decoyCounted.count.verifyNothing).toBe(2);
      for (const answer of [...within, ...past]) expect({ status: answer.status, body: answer.body }).toEqual(refused);

      // Another app's budget is its own; a real user's wrong password is compared as always.
      expect(await loginAt(other, 'nobody-1')).toMatchObject(refused);
      expect(decoyCounted.count.verifyNothing).toBe(3);
      const verifies = decoyCounted.count.verify;
      expect(await loginAt(flooding, 'real')).toMatchObject(refused);
      expect(decoyCounted.count.verify).toBe(verifies + 1);
    } finally {
      await budgeted.close();
    }
  });
});
