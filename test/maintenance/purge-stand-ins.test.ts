import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE, NOTHING, type PurgeFixture, startPurgeFixture } from '../helpers/purge-fixture.js';

// Issue 15: stand-ins answer password and authenticator logins that name no credential, so anyone
// can make one per identifier they invent. The purge deletes a stand-in once it has settled (no
// lock in force, no failure still counting: from then on it answers as a new one would, so
// forgetting it changes no answer), and not a moment before. The app keeps the defaults: 5 wrong
// passwords lock for 15 minutes and failures lapse after 15; authenticator failures lapse after the
// 15-minute lockout.

let f: PurgeFixture;

beforeAll(async () => {
  f = await startPurgeFixture();
});

afterAll(async () => {
  await f?.close();
});

const password = (email: string) => f.app.call('POST', '/cis/v1/auth/password/authenticate', { username: email, username_type: 'email', password: 'not-the-password' });
const totp = (email: string, token: string) => f.app.call('POST', '/cis/v1/auth/totp/authenticate', { identifier: email, token });

describe('purge: stand-ins', () => {
  it('deletes a stand-in once its lock is over or its failures have lapsed, with its log; what it answers after is a new count', async () => {
    const t0 = await f.startOver();
    expect((await password('lapsing@example.com')).status).toBe(400);
    for (let attempt = 1; attempt < 5; attempt++) await password('locked@example.com');
    expect(await password('locked@example.com')).toMatchObject({ status: 403, body: { error_code: 'auth_locked' } });
    expect((await totp('no-authenticator@example.com', '123456')).status).toBe(400);
    expect(await f.db.shadowCredential.count()).toBe(3);
    expect(await f.db.shadowCredentialEvent.count()).toBeGreaterThan(0);

    // Everything was counted at t0, so everything settles 15 minutes later.
    f.at(t0 + 15 * MINUTE);
    expect(await f.purgeNow()).toEqual(NOTHING);
    f.at(t0 + 15 * MINUTE + 1);
    expect(await f.purgeNow()).toEqual({ ...NOTHING, standIns: 3 });
    expect(await f.db.shadowCredential.count()).toBe(0);
    expect(await f.db.shadowCredentialEvent.count()).toBe(0);
    // A new count, as the lock being over would have given anyway.
    for (let attempt = 1; attempt < 5; attempt++) expect((await password('locked@example.com')).status).toBe(400);
    expect((await password('locked@example.com')).status).toBe(403);
  });

  it('keeps a stand-in whose lock, or latest failure, still counts', async () => {
    const t0 = await f.startOver();
    await password('kept@example.com');
    f.at(t0 + 10 * MINUTE);
    await password('kept@example.com');
    f.at(t0 + 20 * MINUTE);
    expect(await f.purgeNow()).toEqual(NOTHING);
    f.at(t0 + 25 * MINUTE + 1);
    expect(await f.purgeNow()).toEqual({ ...NOTHING, standIns: 1 });
  });
});
