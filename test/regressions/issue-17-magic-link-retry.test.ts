import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STALE_MARKER } from '../../src/repositories/prisma-errors.js';
import { StaleInstanceError } from '../../src/repositories/retried-transaction.js';
import type { Statement, Tx } from '../../src/storage/prisma.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// Issue 17: a magic-link authenticate that lost a race runs its work again, and that retry is not
// another guess: the request is counted against the authenticate limit once. Here the limit is one
// request, and the first attempt's writes are made to lose (as a version race would, after its work
// ran: the optimistic step's batch fails as a stale guard does): the retry must log in, not answer 429.

const REDIRECT = 'https://app.example/verify';

let db: TestDatabase;
let server: TestServer;
let client: TestClient;
/** Set: the next transaction runs its work, then loses as a lost version race does. */
let loseNext = false;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer({ databaseUrl: db.url, env: { RATE_LIMIT_AUTHENTICATE_MAX: '1' } });
  client = await server.createApp({ name: 'Retried', redirectUris: [REDIRECT] });
  // The runner reaches the database through this object: its transactions and batches go through the wrapper.
  const storage: { $transaction: unknown } = server.storage.db;
  const original = server.storage.db.$transaction.bind(server.storage.db);
  const transaction = (work: (tx: Tx) => Promise<unknown>) => original(work);
  storage.$transaction = (work: ((tx: Tx) => Promise<unknown>) | Statement[]) => {
    if (Array.isArray(work)) {
      if (!loseNext) return original(work);
      loseNext = false;
      // What the database answers when a guarded UPDATE matched no row (src/repositories/stale-guard.ts).
      return Promise.reject(Object.assign(new Error('lost on purpose'), { code: 'P2010', meta: { driverAdapterError: { cause: { message: STALE_MARKER } } } }));
    }
    return transaction(async (tx) => {
      const result = await work(tx);
      if (!loseNext) return result;
      loseNext = false;
      throw new StaleInstanceError('lost on purpose');
    });
  };
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

describe('issue 17: a retried magic-link authenticate is counted once', () => {
  it('logs in on the retry with a limit of one request', async () => {
    const email = 'retried@example.com';
    expect((await client.call('POST', '/cis/v1/users', { email })).status).toBe(201);
    const sent = await client.call('POST', '/cis/v1/auth/link/email/send', { identifier: email, identifier_type: 'email', redirect_uri: REDIRECT, channel: 'direct' });
    expect(sent.status).toBe(200);
    loseNext = true;
    const answer = await client.call('POST', '/cis/v1/auth/link/email/authenticate', { code: new URL(sent.body.link).searchParams.get('token') });
    expect(loseNext).toBe(false);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    // The one request the limit allows was that one: the user's next is refused by the limit.
    const again = await client.call('POST', '/cis/v1/auth/link/email/send', { identifier: email, identifier_type: 'email', redirect_uri: REDIRECT, channel: 'direct' });
    expect((await client.call('POST', '/cis/v1/auth/link/email/authenticate', { code: new URL(again.body.link).searchParams.get('token') })).status).toBe(429);
  });
});
