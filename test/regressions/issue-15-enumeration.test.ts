import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { countingHasher } from '../helpers/counting-hasher.js';
import { goodCode, type Kind, login, loginSubjects, STRONG, wrongCodes } from '../helpers/login-subjects.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// Issue 15, point 6: no answer and no work tells users apart. A login naming nobody the app knows,
// a user without the credential, or a user with it (a wrong secret) gets the same answers through a
// lockout (400, then auth_locked, then a new count once the lock is over), for passwords and
// authenticator codes; and every refusal (a wrong secret, a lock, a bogus session_id) costs the same
// database statements and the same Argon2id work whoever it names. Before: only holders were ever
// locked (the others got 400 for ever), and a login for nobody cost one statement where a holder's
// cost a transaction and a log write. The timing itself is measured where timing belongs:
// `npm run bench:enumeration` (bench/enumeration.ts).

const TRANSACTION_CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/i;
const MINUTE = 60_000;
const KINDS: readonly Kind[] = ['password', 'totp'];

let db: TestDatabase;
let server: TestServer;
let app: TestClient;
const argon2 = countingHasher();
const statements: string[] = [];

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer({
    databaseUrl: db.url,
    passwordHasher: argon2.hasher,
    observe: (sql) => void (TRANSACTION_CONTROL.test(sql) || statements.push(sql)),
    env: { RATE_LIMIT_AUTHENTICATE_MAX: '100000' },
  });
});

// A new app for each test: its client token (1 h) outlives the test's moves of the clock.
beforeEach(async () => {
  app = await server.createApp({
    name: 'Enumeration',
    loginPreferences: { password: { maxPasswordFailures: 3, passwordSuspensionDuration: 15, failuresExpireIn: 15 }, totp: { maxFailures: 3, lockoutDuration: 15 } },
  });
  await app.call('GET', '/cis/v1/users/no-such-user');
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

/** `count` wrong secrets of the kind (codes none of which is the holder's good one now). */
const wrongSecrets = (kind: Kind, seed: string | null, count: number): string[] =>
  kind === 'totp' && seed !== null ? wrongCodes(server, seed, count) : Array.from({ length: count }, (_, i) => `wrong-guess-${i}`);

/** What a login answered, as the caller sees it. */
const answer = (response: { status: number; body: any }) => ({ status: response.status, body: response.body });

/** The statements and the Argon2id work of one login. */
async function costOf(work: () => Promise<unknown>): Promise<{ statements: number; argon2: number }> {
  statements.length = 0;
  const before = argon2.count.verify + argon2.count.verifyNothing;
  await work();
  return { statements: statements.length, argon2: argon2.count.verify + argon2.count.verifyNothing - before };
}

describe('issue 15: logins do not tell who exists or holds a credential', () => {
  for (const kind of KINDS) {
    it(`${kind}: nobody, a user without one and a holder answer alike through a lockout, and after it`, async () => {
      const subjects = await loginSubjects(server, app, kind);
      const { seed } = subjects.holder;
      const answersFor = async (email: string) => {
        const wrong = wrongSecrets(kind, seed, 5);
        const answers = [];
        // Three wrong secrets lock (maxFailures 3); a fourth is refused by the lock.
        for (const secret of wrong.slice(0, 4)) answers.push(answer(await login(app, kind, email, secret)));
        // The lock holds for every spelling of the identifier, and refuses a bogus session first.
        answers.push(answer(await login(app, kind, email.toUpperCase(), wrong[4] ?? '')));
        answers.push(answer(await login(app, kind, email, wrong[4] ?? '', 'no-such-session')));
        // Once the lock is over, a new count begins.
        server.clock.advance(16 * MINUTE);
        answers.push(answer(await login(app, kind, email, wrongSecrets(kind, seed, 1)[0] ?? '')));
        return answers;
      };
      const nobody = await answersFor(subjects.unknown);
      expect(nobody.map((one) => one.status)).toEqual([400, 400, 403, 403, 403, 400, 400]);
      expect(nobody[2]?.body).toMatchObject({ error_code: 'auth_locked' });
      expect(nobody[5]?.body).toMatchObject({ message: 'Session not found' });
      expect(await answersFor(subjects.without)).toEqual(nobody);
      expect(await answersFor(subjects.holder.email)).toEqual(nobody);
    });

    it(`${kind}: a lock refuses the holder's right secret too, as it refuses every other`, async () => {
      const { holder } = await loginSubjects(server, app, kind);
      for (const secret of wrongSecrets(kind, holder.seed, 3)) await login(app, kind, holder.email, secret);
      const right = holder.seed === null ? STRONG : goodCode(server, holder.seed);
      expect(await login(app, kind, holder.email, right)).toMatchObject({ status: 403, body: { error_code: 'auth_locked' } });
      server.clock.advance(16 * MINUTE);
      expect((await login(app, kind, holder.email, holder.seed === null ? STRONG : goodCode(server, holder.seed))).status).toBe(200);
    });

    it(`${kind}: every refusal costs the same statements and Argon2id work, whoever the login names`, async () => {
      const subjects = await loginSubjects(server, app, kind);
      const costsFor = async (email: string) => {
        const wrong = wrongSecrets(kind, subjects.holder.seed, 4);
        return {
          // The first login naming nobody creates its stand-in: still the statements of a holder's.
          firstWrong: await costOf(() => login(app, kind, email, wrong[0] ?? '')),
          wrong: await costOf(() => login(app, kind, email, wrong[1] ?? '')),
          locking: await costOf(() => login(app, kind, email, wrong[2] ?? '')),
          locked: await costOf(() => login(app, kind, email, wrong[3] ?? '')),
          bogusSession: await costOf(() => login(app, kind, email, wrong[3] ?? '', 'no-such-session')),
        };
      };
      const nobody = await costsFor(subjects.unknown);
      expect(await costsFor(subjects.without)).toEqual(nobody);
      expect(await costsFor(subjects.holder.email)).toEqual(nobody);
      // A comparison's Argon2id work for each wrong password, none while locked or for a bogus session.
      const argon2Work = kind === 'password' ? 1 : 0;
      expect(nobody).toMatchObject({ firstWrong: { argon2: argon2Work }, wrong: { argon2: argon2Work }, locked: { argon2: 0 }, bogusSession: { argon2: 0 } });
    });
  }
});
