import { describe, expect, it } from 'vitest';
import { type Answer, AUTHENTICATE, json, raw, REDIRECT, SEND, server, useBadInputFixture, validSend } from '../helpers/bad-input-fixture.js';

// Whatever a caller sends, the answer is a documented 4xx in the documented shape (keystate-server.md
// §5 item 1): never a 500, never a stack trace. This file: bodies that are malformed, ill-typed,
// incomplete, oversized or not JSON. Bad tokens, unknown routes, and refused requests leaving
// nothing behind: bad-input-refusals.test.ts.

useBadInputFixture();

function expectValidation(answer: Answer, ...mentions: string[]): void {
  expect(answer.status).toBe(400);
  expect(answer.body).toMatchObject({ message: expect.any(Array), error_code: 400 });
  expect(answer.body.message.length).toBeGreaterThan(0);
  for (const message of answer.body.message) expect(typeof message).toBe('string');
  for (const mention of mentions) expect(answer.body.message.join(' ')).toContain(mention);
}

describe('malformed and ill-typed bodies', () => {
  it('malformed JSON is 400 { message: [..], error_code: 400 }', async () => {
    for (const path of [SEND, AUTHENTICATE]) {
      for (const body of ['{"identifier": ', '{identifier: 1}', 'null x', '[1,2', '"unterminated']) {
        expectValidation(await raw(path, { headers: { 'content-type': 'application/json' }, body }));
      }
    }
  });

  it('an empty JSON body is 400', async () => {
    for (const path of [SEND, AUTHENTICATE]) {
      const answer = await raw(path, { headers: { 'content-type': 'application/json' }, body: '' });
      expect(answer.status).toBe(400);
      expect(answer.body.error_code).toBe(400);
    }
  });

  it('a JSON value that is not an object is 400', async () => {
    for (const path of [SEND, AUTHENTICATE]) {
      for (const body of [null, 5, 'text', [validSend], true]) expectValidation(await json(path, body));
    }
  });

  it('wrong types are 400 with a message list naming the field', async () => {
    expectValidation(await json(SEND, { ...validSend, redirect_uri: 5 }), 'redirect_uri');
    expectValidation(await json(SEND, { ...validSend, generate_request_id: 'yes' }), 'generate_request_id');
    expectValidation(await json(SEND, { ...validSend, email_expiration: '5' }), 'email_expiration');
    expectValidation(await json(SEND, { ...validSend, email_expiration: 1.5 }), 'email_expiration');
    expectValidation(await json(SEND, { ...validSend, channel: 'sms' }), 'channel');
    expectValidation(await json(SEND, { ...validSend, identifier: ['someone@example.com'] }), 'identifier');
    expectValidation(await json(SEND, { ...validSend, email_content: 'hello' }), 'email_content');
    expectValidation(await json(SEND, { ...validSend, client_attributes: { user_agent: 7 } }), 'user_agent');
    expectValidation(await json(AUTHENTICATE, { code: 12345 }), 'code');
    expectValidation(await json(AUTHENTICATE, { code: 'abc', session_id: false }), 'session_id');
    expectValidation(await json(AUTHENTICATE, { code: 'abc', claims: { id_token: 'all' } }), 'id_token');
  });

  it('several problems are reported together', async () => {
    const answer = await json(SEND, { ...validSend, redirect_uri: 5, generate_request_id: 'yes' });
    expectValidation(answer, 'redirect_uri', 'generate_request_id');
    expect(answer.body.message.length).toBeGreaterThanOrEqual(2);
  });

  it('missing required fields are 400', async () => {
    expectValidation(await json(SEND, { identifier: 'someone@example.com', identifier_type: 'email' }), 'redirect_uri');
    expectValidation(await json(SEND, { redirect_uri: REDIRECT }));
    expectValidation(await json(SEND, { identifier: 'someone@example.com', redirect_uri: REDIRECT }));
    expectValidation(await json(SEND, { identifier_type: 'email', redirect_uri: REDIRECT }));
    expectValidation(await json(SEND, {}));
    expectValidation(await json(AUTHENTICATE, {}), 'code');
    expectValidation(await json(AUTHENTICATE, { session_id: 'abc' }), 'code');
    expectValidation(await json(AUTHENTICATE, { code: '' }), 'code');
  });

  it('unknown fields are 400 naming the field', async () => {
    expectValidation(await json(SEND, { ...validSend, create_new_user: true }), 'create_new_user');
    expectValidation(await json(SEND, { ...validSend, email_content: { subject: 'Hi', evil: 'x' } }), 'evil');
    expectValidation(await json(AUTHENTICATE, { code: 'abc', tenant_id: 'other' }), 'tenant_id');
    expectValidation(await json(AUTHENTICATE, { code: 'abc', client_attributes: { ip_address: '1.2.3.4', mac: 'x' } }), 'mac');
  });

  it('an identifier_type other than the four built-in ones is 400 system_invalid_input', async () => {
    for (const identifierType of ['passport', 'EMAIL', 'custom_id']) {
      const answer = await json(SEND, { ...validSend, identifier_type: identifierType });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ message: expect.anything(), error_code: 'system_invalid_input' });
    }
  });

  it('identifier and the legacy email together are 400', async () => {
    expectValidation(await json(SEND, { ...validSend, email: 'someone@example.com' }));
  });

  it('an oversized body is 413', async () => {
    const limit = server.config.bodyLimitBytes;
    expect(limit).toBe(64 * 1024);
    for (const path of [SEND, AUTHENTICATE]) {
      const answer = await json(path, { ...validSend, state: 'x'.repeat(limit + 1) });
      expect(answer.status).toBe(413);
      expect(answer.body).toEqual({ message: expect.any(String), error_code: 413 });
    }
  });

  it('a content type other than JSON is 415', async () => {
    for (const path of [SEND, AUTHENTICATE]) {
      for (const contentType of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const answer = await raw(path, { headers: { 'content-type': contentType }, body: JSON.stringify(validSend) });
        expect(answer.status, contentType).toBe(415);
        expect(answer.body).toEqual({ message: expect.any(String), error_code: 415 });
      }
    }
  });
});
