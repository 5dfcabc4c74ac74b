import { describe, expect, it } from 'vitest';
import { client, newUser, server, useOtpFixture } from '../helpers/otp-fixture.js';

// Setting and replacing passwords (issue 11, mosaic-backend-api.md §2.12, §5.2): `credentials` on
// POST /cis/v1/users, POST (201, 409 when set) and PUT (200) /cis/v1/users/{user_id}/password, the
// app's password rules with Mosaic's 400 body, and a replacement that lifts a lockout.

useOtpFixture({ listen: true });

const STRONG = 'Correct-Horse-42-battery';
let counter = 0;
const next = () => ++counter;
const login = (username: string, password: string) => client.call('POST', '/cis/v1/auth/password/authenticate', { username, password, username_type: username.includes('@') ? 'email' : 'username' });

describe('password rules', () => {
  it("refuses a password the app's rules refuse with Mosaic's 400 body, and creates nobody", async () => {
    const n = next();
    const weak = await client.call('POST', '/cis/v1/users', { email: `weak${n}@example.com`, credentials: { password: 'short' } });
    expect(weak.status).toBe(400);
    expect(weak.body).toEqual({
      error_code: 400,
      message: ['password must be at least 14 characters long', 'password must contain characters of at least 4 of these kinds: lowercase letters, uppercase letters, digits, symbols'],
    });
    expect((await client.call('GET', `/cis/v1/users/email/weak${n}@example.com`)).status).toBe(404);
    // Level 5 (the default) also refuses a password containing the username or the email's name.
    const named = await client.call('POST', '/cis/v1/users', { email: `margaret${n}@example.com`, credentials: { password: `Xx-1-Margaret${n}-long` } });
    expect(named.body.message).toEqual(['password must not contain the username or the email address']);
  });

  it("follows the app's passwordMinLength and passwordComplexity", async () => {
    const relaxed = await server.createApp({ name: `Relaxed ${next()}`, loginPreferences: { password: { passwordMinLength: 8, passwordComplexity: 2 } } });
    expect((await relaxed.call('POST', '/cis/v1/users', { username: 'one-kind', credentials: { password: 'abcdefgh' } })).body.message).toEqual([
      'password must contain characters of at least 2 of these kinds: lowercase letters, uppercase letters, digits, symbols',
    ]);
    expect((await relaxed.call('POST', '/cis/v1/users', { username: 'two-kinds', credentials: { password: 'abcdefg1' } })).status).toBe(201);
    expect((await relaxed.call('POST', '/cis/v1/users', { username: 'too-short', credentials: { password: 'abcdef1' } })).body.message).toEqual(['password must be at least 8 characters long']);
  });

  it('refuses unknown fields in credentials', async () => {
    const response = await client.call('POST', '/cis/v1/users', { username: `u${next()}`, credentials: { password: STRONG, hint: 'horse' } });
    expect(response).toMatchObject({ status: 400, body: { error_code: 400 } });
  });
});

describe('setting and replacing a password', () => {
  it('the User object tells the app whether the password is temporary or expired (password_information)', async () => {
    const n = next();
    const created = await client.call('POST', '/cis/v1/users', { email: `info${n}@example.com`, credentials: { password: STRONG } });
    expect(created.body.result.password_information).toEqual({ expired: false, temporary: true, updated_at: server.clock.now() });
    const userId = created.body.result.user_id as string;
    const replaced = await client.call('PUT', `/cis/v1/users/${userId}/password`, { password: 'Second-Horse-42-battery', force_replace: false });
    expect(replaced.body.result.password_information).toMatchObject({ expired: false, temporary: false });
    expect((await client.call('GET', `/cis/v1/users/email/info${n}@example.com`)).body.result.password_information).toMatchObject({ temporary: false });
    // A user without a password has none.
    const noPassword = await newUser();
    expect((await client.call('GET', `/cis/v1/users/${noPassword.id}`)).body.result).not.toHaveProperty('password_information');
  });

  it('POST sets it (201, the user), then 409; a username given with it names the user in the app', async () => {
    const user = await newUser();
    const username = `named${next()}`;
    const set = await client.call('POST', `/cis/v1/users/${user.id}/password`, { password: STRONG, force_replace: false, username });
    expect(set.status, JSON.stringify(set.body)).toBe(201);
    expect(set.body.result).toMatchObject({ user_id: user.id, username });
    expect(set.body.result.password_information).toEqual({ expired: false, temporary: false, updated_at: server.clock.now() });
    expect((await login(username, STRONG)).status).toBe(200);
    expect(await client.call('POST', `/cis/v1/users/${user.id}/password`, { password: STRONG })).toMatchObject({ status: 409, body: { error_code: 409 } });
    // Another user cannot take that username with their password.
    const other = await newUser();
    expect((await client.call('POST', `/cis/v1/users/${other.id}/password`, { password: STRONG, username })).status).toBe(409);
    expect(await login(other.email, STRONG)).toMatchObject({ status: 400 });
  });

  it('two first passwords set at once: one is set (201), the other answers 409, never 500', async () => {
    for (let round = 0; round < 5; round++) {
      const user = await newUser();
      const answers = await Promise.all([STRONG, 'Other-Horse-43-battery'].map((password) => client.call('POST', `/cis/v1/users/${user.id}/password`, { password })));
      expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409]);
    }
  });

  it('two first passwords replaced at once (PUT): both answer 200, and one of them is the password', async () => {
    const passwords = [STRONG, 'Other-Horse-43-battery'];
    for (let round = 0; round < 5; round++) {
      const user = await newUser();
      const answers = await Promise.all(passwords.map((password) => client.call('PUT', `/cis/v1/users/${user.id}/password`, { password, force_replace: false })));
      expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
      const logins = [await login(user.email, passwords[0] ?? ''), await login(user.email, passwords[1] ?? '')];
      expect(logins.map((answer) => answer.status).sort()).toEqual([200, 400]);
    }
  });

  it('enforce_complexity: false sets a password the rules would refuse (POST only)', async () => {
    const user = await newUser();
    expect((await client.call('POST', `/cis/v1/users/${user.id}/password`, { password: 'weak', enforce_complexity: false })).status).toBe(201);
    expect((await client.call('PUT', `/cis/v1/users/${user.id}/password`, { password: 'weak' })).status).toBe(400);
  });

  it('PUT replaces it, lifts a lockout, and sets one where there was none', async () => {
    const user = await newUser();
    expect((await client.call('PUT', `/cis/v1/users/${user.id}/password`, { password: STRONG, force_replace: false })).status).toBe(200);
    for (let attempt = 0; attempt < 5; attempt++) await client.call('POST', '/cis/v1/auth/password/authenticate', { username: user.email, username_type: 'email', password: 'wrong' });
    expect((await client.call('POST', '/cis/v1/auth/password/authenticate', { username: user.email, username_type: 'email', password: STRONG })).status).toBe(403);
    expect((await client.call('PUT', `/cis/v1/users/${user.id}/password`, { password: 'Second-Horse-42-battery', force_replace: false })).status).toBe(200);
    expect((await client.call('POST', '/cis/v1/auth/password/authenticate', { username: user.email, username_type: 'email', password: 'Second-Horse-42-battery' })).status).toBe(200);
  });

  it('is refused for a user the app cannot see (404), and for another tenant', async () => {
    expect(await client.call('POST', '/cis/v1/users/no-such-user/password', { password: STRONG })).toMatchObject({ status: 404, body: { error_code: 404 } });
    expect((await client.call('PUT', '/cis/v1/users/no-such-user/password', { password: STRONG })).status).toBe(404);
    const user = await newUser();
    const foreign = await server.createApp({ name: `Foreign ${next()}`, tenantId: await server.createTenant(`other-${counter}`) });
    expect((await foreign.call('POST', `/cis/v1/users/${user.id}/password`, { password: STRONG })).status).toBe(404);
  });

  it('keeps only a hash: Argon2id, never the password, nowhere in the credential or its log', async () => {
    const user = await newUser();
    await client.call('POST', `/cis/v1/users/${user.id}/password`, { password: STRONG, force_replace: false });
    await login(user.email, 'a wrong one');
    const credential = await server.storage.db.credential.findFirstOrThrow({ where: { userId: user.id, kind: 'password' }, include: { log: true } });
    expect(credential.secret).toMatch(/^\$argon2id\$v=19\$m=32768,t=3,p=1\$/);
    expect(JSON.stringify(credential)).not.toContain(STRONG);
  });
});
