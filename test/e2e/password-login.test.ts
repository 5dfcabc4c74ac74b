import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { authenticate, client, codeIn, MINUTE, newUser, send, server, twilio, useOtpFixture } from '../helpers/otp-fixture.js';

// Passwords over HTTP (issue 11, mosaic-backend-api.md §2.10, §2.12): created with the user or set
// later, temporary until replaced, logged in with by username, email or phone (amr pwd), and the
// first factor of the reference MFA flow (appendix A.1): password, then an SMS passcode on the same
// session → amr pwd, sms and mfa, which satisfies an app that requires MFA.

useOtpFixture({ listen: true });

const STRONG = 'Correct-Horse-42-battery';
const DAY = 24 * 60 * MINUTE;
let counter = 0;

const login = (body: Record<string, unknown>) => client.call('POST', '/cis/v1/auth/password/authenticate', body);
const amrOf = (tokens: { body: { id_token: string } }) => [...(decodeJwt(tokens.body.id_token).amr as string[])].sort();

/** A user of the Bank app created with a (not temporary) password. */
async function withPassword(password = STRONG): Promise<{ id: string; username: string; email: string; phone: string }> {
  counter += 1;
  const username = `saver${counter}`;
  const email = `saver${counter}@example.com`;
  const phone = `+4479222345${String(counter).padStart(2, '0')}`;
  const created = await client.call('POST', '/cis/v1/users', { email, phone_number: phone, username, credentials: { password, force_replace: false } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { id: created.body.result.user_id as string, username, email, phone };
}

describe('password login', () => {
  it('a resource the app does not list is 400 before anything is counted, for a user and for nobody alike (issue 16)', async () => {
    const user = await withPassword();
    const other = { resource: 'https://elsewhere.example' };
    for (const username of [user.username, 'nobody-at-all']) {
      const refused = await login({ username, password: STRONG, ...other });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toBe('resource is not one of the resources configured for this app');
    }
    // Nothing was counted: the right password logs in.
    expect((await login({ username: user.username, password: STRONG })).status).toBe(200);
  });

  it("a disabled user's right password is 403 User is not active, judged by the password machine; a wrong one is a wrong password (issue 16)", async () => {
    const user = await withPassword();
    await server.storage.db.user.update({ where: { id: user.id }, data: { status: 'Disabled' } });
    const refused = await login({ username: user.username, password: STRONG });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ message: 'User is not active', error_code: 403 });
    expect((await login({ username: user.username, password: 'not-the-password' })).status).toBe(400);
    const credential = await server.storage.db.credential.findFirstOrThrow({ where: { userId: user.id, kind: 'password' } });
    expect(credential.stateValue).toBe('active.wrongPassword');
    expect(await server.storage.db.session.count({ where: { userId: user.id } })).toBe(0);
  });

  it('logs in by username, email or phone number (amr pwd), honouring an ID-token username claim', async () => {
    const user = await withPassword();
    const tokens = await login({ username: user.username, password: STRONG, claims: { id_token: { username: null } } });
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', session_id: expect.any(String), refresh_token: expect.any(String) });
    expect(decodeJwt(tokens.body.id_token as string)).toMatchObject({ sub: user.id, amr: ['pwd'], username: user.username });
    expect((await login({ username: user.email.toUpperCase(), username_type: 'email', password: STRONG })).status).toBe(200);
    expect((await login({ username: user.phone, username_type: 'phone_number', password: STRONG })).status).toBe(200);
    // The first login activated the user.
    expect((await client.call('GET', `/cis/v1/users/${user.id}`)).body.result.status).toBe('Active');
  });

  it('answers a wrong password, an unknown user and a user without a password alike', async () => {
    const user = await withPassword();
    const withoutPassword = await newUser();
    const invalid = { status: 400, body: { error_code: 'auth_invalid_credentials', message: 'Invalid credentials' } };
    expect(await login({ username: user.username, password: `${STRONG}!` })).toMatchObject(invalid);
    expect(await login({ username: 'nobody-at-all', password: STRONG })).toMatchObject(invalid);
    expect(await login({ username: withoutPassword.email, username_type: 'email', password: STRONG })).toMatchObject(invalid);
    expect(await login({ username: user.username, password: STRONG, username_type: 'user_id' })).toMatchObject({ status: 400, body: { error_code: 'system_invalid_input' } });
  });

  it("naming another user's session, an unknown user, a user without a password and one with a password answer alike", async () => {
    const owner = await withPassword();
    const sessionId = (await login({ username: owner.username, password: STRONG })).body.session_id as string;
    const withOne = await withPassword();
    const withoutOne = await newUser();
    const notFound = { status: 400, body: { message: 'Session not found', error_code: 400 } };
    expect(await login({ username: 'nobody-at-all', password: STRONG, session_id: sessionId })).toMatchObject(notFound);
    expect(await login({ username: withoutOne.email, username_type: 'email', password: STRONG, session_id: sessionId })).toMatchObject(notFound);
    expect(await login({ username: withOne.username, password: STRONG, session_id: sessionId })).toMatchObject(notFound);
    expect(await login({ username: withOne.username, password: 'wrong', session_id: sessionId })).toMatchObject(notFound);
    // With a session of their own, a user without a password gets the wrong-password answer.
    const own = (
      await authenticate({ passcode: (await send({ channel: 'direct', identifier_type: 'email', identifier: withoutOne.email })).body.code, identifier_type: 'email', identifier: withoutOne.email })
    ).body.session_id;
    expect(await login({ username: withoutOne.email, username_type: 'email', password: STRONG, session_id: own })).toMatchObject({ status: 400, body: { error_code: 'auth_invalid_credentials' } });
  });

  it('a temporary password (force_replace, the default) is refused with 403 until replaced; a wrong one says nothing of it', async () => {
    counter += 1;
    const created = await client.call('POST', '/cis/v1/users', { username: `temp${counter}`, credentials: { password: STRONG } });
    expect(created.status).toBe(201);
    const userId = created.body.result.user_id as string;
    expect(await login({ username: `temp${counter}`, password: STRONG })).toMatchObject({ status: 403, body: { error_code: 'temporary_password' } });
    expect(await login({ username: `temp${counter}`, password: 'Wrong-Horse-42-battery' })).toMatchObject({ status: 400, body: { error_code: 'auth_invalid_credentials' } });
    const replaced = await client.call('PUT', `/cis/v1/users/${userId}/password`, { password: 'Another-Horse-43-battery', force_replace: false });
    expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
    expect(replaced.body.result.user_id).toBe(userId);
    expect((await login({ username: `temp${counter}`, password: STRONG })).status).toBe(400);
    expect((await login({ username: `temp${counter}`, password: 'Another-Horse-43-battery' })).status).toBe(200);
  });

  it('locks after maxPasswordFailures wrong passwords, even for the right one, until the suspension ends', async () => {
    const user = await withPassword();
    for (let attempt = 0; attempt < 4; attempt++) expect((await login({ username: user.username, password: `wrong-${attempt}` })).status).toBe(400);
    // The fifth (the app keeps the default maxPasswordFailures) is the one that locks.
    expect(await login({ username: user.username, password: 'wrong-4' })).toMatchObject({ status: 403, body: { error_code: 'auth_locked' } });
    expect(await login({ username: user.username, password: STRONG })).toMatchObject({ status: 403, body: { error_code: 'auth_locked' } });
    server.clock.advance(15 * MINUTE);
    try {
      expect((await login({ username: user.username, password: STRONG })).status).toBe(200);
    } finally {
      server.clock.advance(-15 * MINUTE);
    }
  });

  it('a password older than passwordExpiresIn answers 403 password_expired until replaced', async () => {
    // Its client token is fetched for every call: the clock moves by days.
    const app = await server.createApp({ name: `Expiring ${counter}`, tokenPolicy: 'perCall', loginPreferences: { password: { passwordExpiresIn: 1 } } });
    const created = await app.call('POST', '/cis/v1/users', { username: 'expiring', credentials: { password: STRONG, force_replace: false } });
    expect(created.status).toBe(201);
    const expiring = (password: string) => app.call('POST', '/cis/v1/auth/password/authenticate', { username: 'expiring', password });
    server.clock.advance(DAY - 1);
    try {
      expect((await expiring(STRONG)).status).toBe(200);
      server.clock.advance(1);
      expect(await expiring(STRONG)).toMatchObject({ status: 403, body: { error_code: 'password_expired' } });
      expect((await app.call('GET', `/cis/v1/users/${created.body.result.user_id}`)).body.result.password_information).toMatchObject({ expired: true, temporary: false });
      expect((await app.call('PUT', `/cis/v1/users/${created.body.result.user_id}/password`, { password: 'Renewed-Horse-44-battery', force_replace: false })).status).toBe(200);
      expect((await expiring('Renewed-Horse-44-battery')).status).toBe(200);
    } finally {
      server.clock.advance(-DAY);
    }
  });

  it('is the first factor of the reference MFA flow: password, then an SMS passcode on the same session → pwd, sms, mfa', async () => {
    const user = await withPassword();
    const first = await login({ username: user.username, password: STRONG });
    expect(amrOf(first)).toEqual(['pwd']);
    const sessionId = first.body.session_id as string;
    expect((await send({ channel: 'sms', identifier_type: 'phone_number', identifier: user.phone })).status).toBe(200);
    const passcode = codeIn(twilio.messages.at(-1)?.body ?? '');
    const stepped = await authenticate({ passcode, identifier_type: 'phone_number', identifier: user.phone, session_id: sessionId });
    expect(stepped.status, JSON.stringify(stepped.body)).toBe(200);
    expect(stepped.body.session_id).toBe(sessionId);
    expect(amrOf(stepped)).toEqual(['mfa', 'pwd', 'sms']);

    // An app of the tenant that requires MFA takes the session as it is.
    const strict = await server.createApp({ name: `Strict ${counter}`, loginPreferences: { mfa: { required: true } } });
    expect((await strict.call('POST', '/cis/v1/auth/session/authenticate', { session_id: sessionId })).body).toMatchObject({ step_up_required: false });
    const single = await login({ username: user.username, password: STRONG });
    expect((await strict.call('POST', '/cis/v1/auth/session/authenticate', { session_id: single.body.session_id })).body).toMatchObject({ step_up_required: true });
  });

  it('the same method twice never gives mfa; a password for another user is refused on the session', async () => {
    const user = await withPassword();
    const other = await withPassword();
    const first = await login({ username: user.username, password: STRONG });
    const sessionId = first.body.session_id as string;
    const again = await login({ username: user.username, password: STRONG, session_id: sessionId });
    expect(again.status).toBe(200);
    expect(again.body.session_id).toBe(sessionId);
    expect(amrOf(again)).toEqual(['pwd']);
    expect(await login({ username: other.username, password: STRONG, session_id: sessionId })).toMatchObject({ status: 400, body: { message: 'Session not found', error_code: 400 } });
    // Refused before it counted: the other user's password still works at once, five times over.
    for (let attempt = 0; attempt < 5; attempt++) await login({ username: other.username, password: STRONG, session_id: sessionId });
    expect((await login({ username: other.username, password: STRONG })).status).toBe(200);
  });
});
