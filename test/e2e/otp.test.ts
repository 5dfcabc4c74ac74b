import { createRemoteJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { ACCOUNT, authenticate, client, codeIn, MINUTE, newUser, send, server, smtp, twilio, useOtpFixture } from '../helpers/otp-fixture.js';

// One-time passcodes end to end, when all goes well: sending by SMS (the real twilio client to a
// Twilio-compatible endpoint on loopback), by email (nodemailer to a real SMTP server on loopback)
// and directly; redeeming, expiry, step-up into a session, request ids, and the documented errors.
// Lockouts and rate limits: otp-limits.test.ts; providers that fail: otp-delivery-failures.test.ts.

useOtpFixture({ listen: true });

describe('one-time passcodes, end to end', () => {
  it('SMS: the real twilio client sends the code; the right code buys tokens with amr sms and verifies the phone', async () => {
    const user = await newUser();
    const sent = await send({ channel: 'sms', identifier_type: 'phone_number', identifier: user.phone });
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ message: 'OTP sent' });
    const sms = await twilio.nextMessage();
    expect(sms).toMatchObject({ accountSid: ACCOUNT.accountSid, to: user.phone, from: ACCOUNT.from });
    const code = codeIn(sms.body);
    expect(code).toMatch(/^\d{6}$/);
    expect(sms.body).toContain('Bank');

    const tokens = await authenticate({ passcode: code, identifier_type: 'phone_number', identifier: user.phone });
    expect(tokens.status).toBe(200);
    const jwks = createRemoteJWKSet(new URL(`${server.url}/cis/oidc/jwks`));
    const { payload } = await jwtVerify(tokens.body.id_token, jwks, { issuer: server.config.issuer, audience: client.clientId, currentDate: new Date(server.clock.now()) });
    expect(payload).toMatchObject({ sub: user.id, amr: ['sms'] });
    const after = (await client.call('GET', `/cis/v1/users/${user.id}`)).body.result;
    expect(after.status).toBe('Active');
    expect(after.phone_number.phone_number_verified).toBe(true);
    expect(after.email.email_verified).toBe(false);
    // Single use.
    expect((await authenticate({ passcode: code, identifier_type: 'phone_number', identifier: user.phone })).body.error_code).toBe('auth_invalid_credentials');
  });

  it('a disabled user is sent no code (user_not_active); one disabled after the send learns it only with the right code (issue 16)', async () => {
    const user = await newUser();
    const sent = await send({ channel: 'direct', identifier_type: 'user_id', identifier: user.id });
    await server.storage.db.user.update({ where: { id: user.id }, data: { status: 'Disabled' } });
    const refused = await send({ channel: 'direct', identifier_type: 'user_id', identifier: user.id });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ message: 'User is not active', error_code: 'user_not_active' });
    // The refused send issued no code: the one before it is gone, a guess finds nothing.
    expect((await authenticate({ passcode: sent.body.code, identifier_type: 'user_id', identifier: user.id })).body.error_code).toBe('auth_invalid_credentials');
    await server.storage.db.user.update({ where: { id: user.id }, data: { status: 'Active' } });
    const again = await send({ channel: 'direct', identifier_type: 'user_id', identifier: user.id });
    await server.storage.db.user.update({ where: { id: user.id }, data: { status: 'Disabled' } });
    expect((await authenticate({ passcode: '000000', identifier_type: 'user_id', identifier: user.id })).body.error_code).toBe('auth_invalid_credentials');
    const right = await authenticate({ passcode: again.body.code, identifier_type: 'user_id', identifier: user.id });
    expect(right.status).toBe(403);
    expect(right.body).toMatchObject({ message: 'User is not active' });
    // The code was not burned: enabled again, the user redeems it.
    await server.storage.db.user.update({ where: { id: user.id }, data: { status: 'Active' } });
    expect((await authenticate({ passcode: again.body.code, identifier_type: 'user_id', identifier: user.id })).status).toBe(200);
  });

  it('a resource the app does not list: 400 for the right code, which stays redeemable; a wrong code is a wrong code', async () => {
    const user = await newUser();
    const sent = await send({ channel: 'direct', identifier_type: 'user_id', identifier: user.id });
    const other = { identifier_type: 'user_id', identifier: user.id, resource: 'https://elsewhere.example' };
    expect((await authenticate({ ...other, passcode: sent.body.code === '000000' ? '000001' : '000000' })).body.error_code).toBe('auth_invalid_credentials');
    const refused = await authenticate({ ...other, passcode: sent.body.code });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe('resource is not one of the resources configured for this app');
    expect((await authenticate({ passcode: sent.body.code, identifier_type: 'user_id', identifier: user.id })).status).toBe(200);
  });

  it('email: nodemailer sends the code over SMTP; amr eotp; email verified; any identifier type reaches the user', async () => {
    const user = await newUser();
    expect((await send({ channel: 'email', identifier_type: 'user_id', identifier: user.id })).status).toBe(200);
    const mail = await smtp.nextMail();
    expect(mail.to).toEqual([user.email]);
    const tokens = await authenticate({ passcode: codeIn(mail.text), identifier_type: 'user_id', identifier: user.id });
    expect(tokens.status).toBe(200);
    const after = (await client.call('GET', `/cis/v1/users/${user.id}`)).body.result;
    expect(after.email.email_verified).toBe(true);
  });

  it('direct: the code comes back in the response (amr otp), with approval_data echoed and carried into the ID token', async () => {
    const user = await newUser();
    const approval = { amount: 120, currency: 'EUR', 'payee.id': 'p-1' };
    const sent = await send({ channel: 'direct', identifier_type: 'email', identifier: user.email, approval_data: approval });
    expect(sent.status).toBe(200);
    expect(sent.body.approval_data).toEqual(approval);
    const tokens = await authenticate({ passcode: sent.body.code, identifier_type: 'email', identifier: user.email });
    expect(tokens.status).toBe(200);
    const jwks = createRemoteJWKSet(new URL(`${server.url}/cis/oidc/jwks`));
    const { payload } = await jwtVerify(tokens.body.id_token, jwks, { issuer: server.config.issuer, audience: client.clientId, currentDate: new Date(server.clock.now()) });
    expect(payload).toMatchObject({ amr: ['otp'], approval_data: approval });
  });

  it('custom targets, custom SMS text, code length from login preferences; custom targets verify nothing', async () => {
    const app = await server.createApp({ name: 'Shop', loginPreferences: { sms: { codeLength: 8 } } });
    const created = await app.call('POST', '/cis/v1/users', { email: 'custom@example.com', phone_number: '+447911123499' });
    const userId = created.body.result.user_id;
    const sent = await app.call('POST', '/cis/v1/auth/otp/send', {
      channel: 'sms',
      identifier_type: 'email',
      identifier: 'custom@example.com',
      custom_phone_number: '+44 7911 123498',
      custom_sms_input: { custom_message: 'Code {otp} for {app}', sender_id: 'ShopCo' },
    });
    expect(sent.status).toBe(200);
    const sms = await twilio.nextMessage();
    expect(sms.to).toBe('+447911123498');
    expect(sms.from).toBe('ShopCo');
    expect(sms.body).toMatch(/^Code \d{8} for Shop$/);
    expect((await app.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: codeIn(sms.body), identifier_type: 'email', identifier: 'custom@example.com' })).status).toBe(200);
    const after = (await app.call('GET', `/cis/v1/users/${userId}`)).body.result;
    expect(after.phone_number.phone_number_verified).toBe(false);

    const badTemplate = await app.call('POST', '/cis/v1/auth/otp/send', {
      channel: 'sms',
      identifier_type: 'email',
      identifier: 'custom@example.com',
      custom_sms_input: { custom_message: 'no placeholders' },
    });
    expect(badTemplate.status).toBe(400);
    expect(badTemplate.body.error_code).toBe('system_invalid_input');
  });

  it('a wrong code is auth_invalid_credentials; an expired code is auth_otp_passcode_expired', async () => {
    const user = await newUser();
    const { code } = (await send({ channel: 'direct', identifier_type: 'email', identifier: user.email, expires_in: 2 })).body;
    const wrong = await authenticate({ passcode: code === '000000' ? '000001' : '000000', identifier_type: 'email', identifier: user.email });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error_code).toBe('auth_invalid_credentials');
    server.clock.advance(2 * MINUTE);
    try {
      const expired = await authenticate({ passcode: code, identifier_type: 'email', identifier: user.email });
      expect(expired.status).toBe(400);
      expect(expired.body.error_code).toBe('auth_otp_passcode_expired');
    } finally {
      server.clock.advance(-2 * MINUTE);
    }
  });

  it('the code must be redeemed with the identifier it was sent for', async () => {
    const user = await newUser();
    const { code } = (await send({ channel: 'direct', identifier_type: 'email', identifier: user.email })).body;
    expect((await authenticate({ passcode: code, identifier_type: 'phone_number', identifier: user.phone })).status).toBe(400);
    expect((await authenticate({ passcode: code, identifier_type: 'email', identifier: user.email.toUpperCase() })).status).toBe(200);
  });

  it('a newer send replaces the earlier code', async () => {
    const user = await newUser();
    const first = (await send({ channel: 'direct', identifier_type: 'email', identifier: user.email })).body.code;
    const second = (await send({ channel: 'direct', identifier_type: 'email', identifier: user.email })).body.code;
    if (first !== second) expect((await authenticate({ passcode: first, identifier_type: 'email', identifier: user.email })).status).toBe(400);
    expect((await authenticate({ passcode: second, identifier_type: 'email', identifier: user.email })).status).toBe(200);
  });

  it('with session_id, adds the passcode to the session: amr gains mfa', async () => {
    const user = await newUser();
    const emailCode = (await send({ channel: 'direct', identifier_type: 'email', identifier: user.email })).body.code;
    const first = await authenticate({ passcode: emailCode, identifier_type: 'email', identifier: user.email });
    expect((await send({ channel: 'sms', identifier_type: 'email', identifier: user.email })).status).toBe(200);
    const smsCode = codeIn((await twilio.nextMessage()).body);
    const second = await authenticate({ passcode: smsCode, identifier_type: 'email', identifier: user.email, session_id: first.body.session_id });
    expect(second.status).toBe(200);
    expect(second.body.session_id).toBe(first.body.session_id);
    const jwks = createRemoteJWKSet(new URL(`${server.url}/cis/oidc/jwks`));
    const { payload } = await jwtVerify(second.body.id_token, jwks, { issuer: server.config.issuer, audience: client.clientId, currentDate: new Date(server.clock.now()) });
    expect(payload.amr).toEqual(['otp', 'sms', 'mfa']);
  });

  it('generate_request_id binds authenticate to the send', async () => {
    const user = await newUser();
    const id = { identifier_type: 'email', identifier: user.email };
    const sent = (await send({ channel: 'direct', ...id, generate_request_id: true })).body;
    expect(typeof sent.request_id).toBe('string');
    const missing = await authenticate({ passcode: sent.code, ...id });
    expect(missing.body.error_code).toBe('system_invalid_input');
    expect((await authenticate({ passcode: sent.code, ...id, request_id: sent.request_id })).status).toBe(200);
  });

  it('answers the documented errors for unknown users, missing addresses and bad input', async () => {
    const unknown = await send({ channel: 'sms', identifier_type: 'email', identifier: 'nobody@example.com' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe('user_not_found');
    const noPhone = await client.call('POST', '/cis/v1/users', { email: 'nophone@example.com' });
    expect(noPhone.status).toBe(201);
    const missingPhone = await send({ channel: 'sms', identifier_type: 'email', identifier: 'nophone@example.com' });
    expect(missingPhone.status).toBe(404);
    expect(missingPhone.body.error_code).toBe('user_phone_number_missing');
    const badType = await send({ channel: 'sms', identifier_type: 'nickname', identifier: 'x' });
    expect(badType.status).toBe(400);
    expect(badType.body.error_code).toBe('system_invalid_input');
    const badChannel = await send({ channel: 'fax', identifier_type: 'email', identifier: 'x@example.com' });
    expect(badChannel.status).toBe(400);
    expect(badChannel.body.error_code).toBe('system_invalid_input');
    const tooMany = await send({
      channel: 'direct',
      identifier_type: 'email',
      identifier: 'nophone@example.com',
      approval_data: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, i])),
    });
    expect(tooMany.body.error_code).toBe('system_invalid_input');
  });
});
