import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// POST /cis/v1/users and the four lookups (mosaic-backend-api.md §2.12). Users are tenant-level;
// an app sees only the users associated with it; another tenant never sees them.

let db: TestDatabase;
let server: TestServer;
let shop: TestClient;
let blog: TestClient;
let forum: TestClient;
let foreign: TestClient;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer({ databaseUrl: db.url });
  shop = await server.createApp({ name: 'Shop' });
  blog = await server.createApp({ name: 'Blog' });
  forum = await server.createApp({ name: 'Forum' });
  foreign = await server.createApp({ name: 'Foreign', tenantId: await server.createTenant('Other tenant') });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

const lookups = (user: { user_id: string; email: string; phone: string; username: string }) => [
  `/cis/v1/users/${user.user_id}`,
  `/cis/v1/users/email/${encodeURIComponent(user.email)}`,
  `/cis/v1/users/phone-number/${encodeURIComponent(user.phone)}`,
  `/cis/v1/users/phone/${encodeURIComponent(user.phone)}`,
  `/cis/v1/users/username/${encodeURIComponent(user.username)}`,
];

describe('POST /cis/v1/users', () => {
  it('creates a Pending user: 201 { result } with the email unverified, the phone in E.164 and the username', async () => {
    const created = await shop.call('POST', '/cis/v1/users', {
      email: 'Alice@Example.com',
      phone_number: '+1 (650) 253-0000',
      username: 'alice',
      name: { first_name: 'Alice', last_name: 'Liddell' },
    });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body)).toEqual(['result']);
    const user = created.body.result;
    expect(user).toMatchObject({
      user_id: expect.stringMatching(/^[A-Za-z0-9_-]{21}$/),
      status: 'Pending',
      email: { value: 'alice@example.com', email_verified: false },
      phone_number: { value: '+16502530000', phone_number_verified: false },
      username: 'alice',
      name: { first_name: 'Alice', last_name: 'Liddell' },
      created_at: expect.any(Number),
      updated_at: expect.any(Number),
    });
  });

  it('the four lookups (and the deprecated /phone/ alias) answer 200 { result }; email is case-insensitive', async () => {
    const created = (await shop.call('POST', '/cis/v1/users', { email: 'bob@example.com', phone_number: '+16502530001', username: 'bob' })).body.result;
    const paths = [
      ...lookups({ user_id: created.user_id, email: 'bob@example.com', phone: '+16502530001', username: 'bob' }),
      `/cis/v1/users/email/${encodeURIComponent('BOB@Example.COM')}`,
      // A national format with spaces still names the same E.164 number.
      `/cis/v1/users/phone-number/${encodeURIComponent('+1 650 253 0001')}`,
    ];
    for (const path of paths) {
      const found = await shop.call('GET', path);
      expect(found.status, path).toBe(200);
      expect(Object.keys(found.body)).toEqual(['result']);
      expect(found.body.result).toEqual(created);
    }
  });

  it('unknown users are 404 { message, error_code: 404 } for every lookup', async () => {
    const paths = [...lookups({ user_id: 'no-such-user', email: 'nobody@example.com', phone: '+16502539999', username: 'nobody' }), `/cis/v1/users/phone-number/${encodeURIComponent('not-a-number')}`];
    for (const path of paths) {
      const missing = await shop.call('GET', path);
      expect(missing.status, path).toBe(404);
      expect(missing.body).toEqual({ message: 'User not found', error_code: 404 });
    }
  });

  it('the same email twice in one app is 409 with ts_error_code, and creates nothing', async () => {
    expect((await shop.call('POST', '/cis/v1/users', { email: 'carol@example.com' })).status).toBe(201);
    const before = await db.storage.db.user.count();
    for (const email of ['carol@example.com', 'CAROL@example.com']) {
      const duplicate = await shop.call('POST', '/cis/v1/users', { email });
      expect(duplicate.status).toBe(409);
      expect(duplicate.body).toMatchObject({ message: expect.any(String), error_code: 409, ts_error_code: expect.any(String) });
    }
    expect(await db.storage.db.user.count()).toBe(before);
  });

  it('a taken username in the same app is 409', async () => {
    expect((await shop.call('POST', '/cis/v1/users', { email: 'dave@example.com', username: 'dave' })).status).toBe(201);
    const taken = await shop.call('POST', '/cis/v1/users', { email: 'other-dave@example.com', username: 'dave' });
    expect(taken.status).toBe(409);
    expect(taken.body.error_code).toBe(409);
  });

  it('another app of the same tenant creating that email associates the same user; a third app still sees nothing', async () => {
    const created = (await shop.call('POST', '/cis/v1/users', { email: 'erin@example.com', phone_number: '+16502530002', username: 'erin' })).body.result;
    const user = { user_id: created.user_id, email: 'erin@example.com', phone: '+16502530002', username: 'erin' };

    for (const path of lookups(user)) expect((await blog.call('GET', path)).status, path).toBe(404);

    const associated = await blog.call('POST', '/cis/v1/users', { email: 'Erin@Example.com', username: 'erin-blog' });
    expect(associated.status).toBe(201);
    expect(associated.body.result.user_id).toBe(created.user_id);
    expect(associated.body.result.username).toBe('erin-blog');

    expect((await blog.call('GET', `/cis/v1/users/${created.user_id}`)).body.result.user_id).toBe(created.user_id);
    expect((await blog.call('GET', '/cis/v1/users/username/erin-blog')).status).toBe(200);
    // The username is per app: the first app's one is not the second's.
    expect((await blog.call('GET', '/cis/v1/users/username/erin')).status).toBe(404);
    expect((await shop.call('GET', '/cis/v1/users/username/erin')).status).toBe(200);

    for (const path of lookups(user)) {
      const hidden = await forum.call('GET', path);
      expect(hidden.status, path).toBe(404);
      expect(hidden.body).toEqual({ message: 'User not found', error_code: 404 });
    }
    const again = await blog.call('POST', '/cis/v1/users', { email: 'erin@example.com' });
    expect(again.status).toBe(409);
    expect(await db.storage.db.user.count({ where: { email: 'erin@example.com' } })).toBe(1);
  });

  it('an app of another tenant cannot see the user, and creating the same email there makes a different user', async () => {
    const created = (await shop.call('POST', '/cis/v1/users', { email: 'frank@example.com', phone_number: '+16502530003', username: 'frank' })).body.result;
    const user = { user_id: created.user_id, email: 'frank@example.com', phone: '+16502530003', username: 'frank' };
    for (const path of lookups(user)) expect((await foreign.call('GET', path)).status, path).toBe(404);

    const theirs = await foreign.call('POST', '/cis/v1/users', { email: 'frank@example.com', phone_number: '+16502530003', username: 'frank' });
    expect(theirs.status).toBe(201);
    expect(theirs.body.result.user_id).not.toBe(created.user_id);
    expect(theirs.body.result.status).toBe('Pending');

    expect((await foreign.call('GET', '/cis/v1/users/email/frank%40example.com')).body.result.user_id).toBe(theirs.body.result.user_id);
    expect((await shop.call('GET', '/cis/v1/users/email/frank%40example.com')).body.result.user_id).toBe(created.user_id);
    expect((await shop.call('GET', `/cis/v1/users/${theirs.body.result.user_id}`)).status).toBe(404);
  });

  it('an invalid phone number is 400 with a message list', async () => {
    for (const phone of ['12345', 'not a phone', '+999999999999']) {
      const refused = await shop.call('POST', '/cis/v1/users', { email: `phone-${phone.length}@example.com`, phone_number: phone });
      expect(refused.status, phone).toBe(400);
      expect(refused.body).toEqual({ message: [expect.stringContaining('phone_number')], error_code: 400 });
    }
  });

  it('an invalid email is 400 with a message list, and nothing is created', async () => {
    const before = await db.storage.db.user.count();
    for (const email of ['not-an-email', 'a@', '@example.com', '']) {
      const refused = await shop.call('POST', '/cis/v1/users', { email });
      expect(refused.status, email).toBe(400);
      expect(refused.body).toMatchObject({ message: [expect.stringContaining('email')], error_code: 400 });
    }
    expect(await db.storage.db.user.count()).toBe(before);
  });

  it('a body without any identifier, or with unknown fields, is 400', async () => {
    const empty = await shop.call('POST', '/cis/v1/users', { name: { first_name: 'Nobody' } });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toEqual(expect.any(Array));
    const unknown = await shop.call('POST', '/cis/v1/users', { email: 'ghost@example.com', tenant_id: foreign.tenantId });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toEqual([expect.stringContaining('tenant_id')]);
  });
});
