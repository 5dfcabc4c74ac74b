import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TotpContext } from '../../machines/totp.context.js';
import { fromJson } from '../helpers/stored-json.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { goodCode, login, loginSubjects, wrongCodes } from '../helpers/login-subjects.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// Issue 15, point 7: one authenticator code sent 20 times at once is one success (if right) or one
// failure (if wrong), not a lockout. Before: every copy after the first counted as a failure (a
// replay of the accepted code, or the same wrong code again) and the authenticator locked. Now a
// replay is forgiven (whoever sends it already had the code), and so is the same wrong code within
// its time step (recognised by a keyed HMAC in the credential's row); a login for nobody is
// counted the same way by its stand-in.

const BURST = 20;
let db: TestDatabase;
let server: TestServer;
let app: TestClient;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer({ databaseUrl: db.url, env: { RATE_LIMIT_AUTHENTICATE_MAX: '100000' } });
  // maxFailures 3: well under the burst, so any copy counted twice would lock.
  app = await server.createApp({ name: 'Burst', loginPreferences: { totp: { maxFailures: 3 } } });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

const burst = (email: string, code: string) => Promise.all(Array.from({ length: BURST }, () => login(app, 'totp', email, code)));
const statuses = (answers: readonly { status: number }[]) => answers.map((answer) => answer.status).sort();
const attemptsOf = async (userId: string) => {
  const credential = await db.storage.db.credential.findFirstOrThrow({ where: { userId, kind: 'totp', endedAt: null } });
  return fromJson<TotpContext>(credential.context).attempts;
};

describe('issue 15: a burst of one authenticator code', () => {
  it('the right code 20 times at once is one login and 19 refusals, nothing counted, no lock', async () => {
    const { holder } = await loginSubjects(server, app, 'totp');
    server.clock.advance(30_000);
    const answers = await burst(holder.email, goodCode(server, holder.seed ?? ''));
    expect(statuses(answers)).toEqual([200, ...Array<number>(BURST - 1).fill(400)]);
    for (const refused of answers.filter((answer) => answer.status === 400)) expect(refused.body).toMatchObject({ error_code: 'auth_invalid_credentials' });
    expect(await attemptsOf(holder.userId)).toBe(0);
    server.clock.advance(30_000);
    expect((await login(app, 'totp', holder.email, goodCode(server, holder.seed ?? ''))).status).toBe(200);
  });

  it('a wrong code 20 times at once is one failure, for a holder as for nobody', async () => {
    const subjects = await loginSubjects(server, app, 'totp');
    const { holder } = subjects;
    server.clock.advance(30_000);
    const afterBurst = async (email: string) => {
      const [burstCode, second, third] = wrongCodes(server, holder.seed ?? '', 3);
      const answers = await burst(email, burstCode ?? '');
      expect(statuses(answers)).toEqual(Array<number>(BURST).fill(400));
      // Counted once: two more wrong codes reach maxFailures (3), not before.
      return [(await login(app, 'totp', email, second ?? '')).status, (await login(app, 'totp', email, third ?? '')).status];
    };
    expect(await afterBurst(subjects.unknown)).toEqual([400, 403]);
    expect(await afterBurst(subjects.without)).toEqual([400, 403]);
    const fresh = await loginSubjects(server, app, 'totp');
    const [burstCode] = wrongCodes(server, fresh.holder.seed ?? '', 1);
    expect(statuses(await burst(fresh.holder.email, burstCode ?? ''))).toEqual(Array<number>(BURST).fill(400));
    expect(await attemptsOf(fresh.holder.userId)).toBe(1);
    // One failure is not a lock: the right code still logs in.
    expect((await login(app, 'totp', fresh.holder.email, goodCode(server, fresh.holder.seed ?? ''))).status).toBe(200);
    expect(await afterBurst(holder.email)).toEqual([400, 403]);
  });
});
