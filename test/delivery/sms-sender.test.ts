import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../src/delivery/delivery-error.js';
import type { Outbox } from '../../src/delivery/outbox.js';
import { createOutboxSmsSender } from '../../src/delivery/outbox-sms-sender.js';
import { createTwilioSmsSender, toSmsDeliveryError } from '../../src/delivery/sms-sender.js';
import type { SmsMessage, SmsSender } from '../../src/delivery/sms-message.js';
import { startTwilioStub } from '../helpers/twilio-stub.js';
import type { TwilioStub } from '../helpers/twilio-stub.js';

const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'stub-auth-token-5e1f0c2d';
const FROM = '+15005550006';
const SERVICE_SID = `MG${'fedcba9876543210'.repeat(2)}`;
const TO = '+447700900123';
const SECRET_CODE = '918273';

const message = (overrides: Partial<SmsMessage> = {}): SmsMessage => ({
  to: TO,
  body: `${SECRET_CODE} is your Acme verification code.`,
  ...overrides,
});

/** The DeliveryError a send rejects with (fails the test if it resolves or throws anything else). */
async function deliveryFailure(promise: Promise<void>): Promise<DeliveryError> {
  const outcome = await promise.then(
    () => new Error('expected the send to fail'),
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(DeliveryError);
  return outcome as DeliveryError;
}

/** Nothing secret or personal in what a log line or an error response could carry. */
function expectNoLeak(err: DeliveryError): void {
  const exposed = `${err.message} ${JSON.stringify(err)} ${String(err.stack)}`;
  expect(exposed).not.toContain(AUTH_TOKEN);
  expect(exposed).not.toContain(SECRET_CODE);
  expect(exposed).not.toContain(TO);
  expect(exposed).not.toContain(TO.slice(1));
  expect(err.cause).toBeUndefined();
}

describe('Twilio SMS sender (real twilio client against a loopback stub)', () => {
  let stub: TwilioStub;
  const senders: SmsSender[] = [];
  const twilioSender = (overrides: Partial<Parameters<typeof createTwilioSmsSender>[0]> = {}): SmsSender => {
    const sender = createTwilioSmsSender({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      from: FROM,
      apiBaseUrl: stub.url,
      timeoutMs: 2_000,
      ...overrides,
    });
    senders.push(sender);
    return sender;
  };

  beforeEach(async () => {
    stub = await startTwilioStub({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
  });

  afterEach(async () => {
    for (const sender of senders.splice(0)) await sender.close();
    await stub.close();
  });

  it('delivers To, From and Body to the account’s Messages endpoint', async () => {
    const sender = twilioSender();
    expect(sender.kind).toBe('twilio');
    await sender.send(message());

    expect(await stub.nextMessage()).toEqual({
      accountSid: ACCOUNT_SID,
      to: TO,
      from: FROM,
      messagingServiceSid: null,
      body: `${SECRET_CODE} is your Acme verification code.`,
    });
    expect(stub.messages).toHaveLength(1);
  });

  it('sends a Messaging Service SID as MessagingServiceSid, without From', async () => {
    await twilioSender({ from: SERVICE_SID }).send(message());

    expect(await stub.nextMessage()).toMatchObject({ from: null, messagingServiceSid: SERVICE_SID });
  });

  it('lets a sender ID replace From', async () => {
    await twilioSender().send(message({ senderId: 'Acme' }));
    expect(await stub.nextMessage()).toMatchObject({ from: 'Acme', messagingServiceSid: null });

    await twilioSender({ from: SERVICE_SID }).send(message({ senderId: 'Acme' }));
    expect(await stub.nextMessage()).toMatchObject({ from: 'Acme', messagingServiceSid: SERVICE_SID });
  });

  it('keeps the configured sender when the sender ID is null or blank', async () => {
    const sender = twilioSender();
    await sender.send(message({ senderId: null }));
    await sender.send(message({ senderId: '  ' }));

    expect((await stub.nextMessage()).from).toBe(FROM);
    expect((await stub.nextMessage()).from).toBe(FROM);
  });

  it('maps wrong credentials to a configuration fault that is not transient', async () => {
    const err = await deliveryFailure(twilioSender({ authToken: 'not-the-token' }).send(message()));

    expect(err).toMatchObject({ reason: 'sms_auth_failed', configuration: true, transient: false, httpStatus: 401, providerCode: 20003 });
    expect(err.message).not.toContain('not-the-token');
    expectNoLeak(err);
    expect(stub.messages).toHaveLength(0);
  });

  it('maps an invalid number to a recipient fault: neither transient nor configuration', async () => {
    stub.setFailure('invalid-number');

    const err = await deliveryFailure(twilioSender().send(message()));
    expect(err).toMatchObject({ reason: 'sms_invalid_number', configuration: false, transient: false, httpStatus: 400, providerCode: 21211 });
    expectNoLeak(err);
  });

  it('refuses a number that is not E.164, and a bad sender ID, before any request', async () => {
    const sender = twilioSender();
    for (const to of ['07700900123', '+44 7700 900123', `${TO}\n`, '+0123456789', '']) {
      const err = await deliveryFailure(sender.send(message({ to })));
      expect(err).toMatchObject({ reason: 'sms_invalid_number', transient: false, configuration: false });
    }
    for (const senderId of ['TwelveCharsX', '12345', 'Acme\nCorp', 'Acme<b>']) {
      const err = await deliveryFailure(sender.send(message({ senderId })));
      expect(err).toMatchObject({ reason: 'sms_invalid_sender_id', transient: false, configuration: false });
    }
    expect(stub.requestCount).toBe(0);
  });

  it('treats a missing sender as misconfiguration', async () => {
    const err = await deliveryFailure(twilioSender({ from: null }).send(message()));

    expect(err).toMatchObject({ reason: 'sms_misconfigured', configuration: true, transient: false });
    expect(stub.requestCount).toBe(0);
  });

  it('maps a 500 to a transient outage', async () => {
    stub.setFailure('server-error');

    const err = await deliveryFailure(twilioSender().send(message()));
    expect(err).toMatchObject({ reason: 'sms_unavailable', transient: true, configuration: false, httpStatus: 500 });
    expectNoLeak(err);
  });

  it('maps a server that never answers to a transient timeout, after its own timeout', async () => {
    stub.setFailure('hang');
    // An order, not a wall-clock bound (issue 16 §5): the sender given 300 ms gives up while one
    // given a minute, sent first to the same silent server, is still waiting.
    const patient = twilioSender({ timeoutMs: 60_000 })
      .send(message())
      .then(
        () => 'answered',
        () => 'gave up',
      );
    const err = await Promise.race([deliveryFailure(twilioSender({ timeoutMs: 300 }).send(message())), patient]);
    expect(err).toMatchObject({ reason: 'sms_timeout', transient: true, configuration: false });
    expectNoLeak(err as DeliveryError);
    await stub.close(); // ends the patient sender's request
    expect(await patient).toBe('gave up');
  });

  it('maps a server that is down to a transient unreachable error', async () => {
    const sender = twilioSender();
    await stub.close();

    const err = await deliveryFailure(sender.send(message()));
    expect(err).toMatchObject({ reason: 'sms_unreachable', transient: true, configuration: false });
    expectNoLeak(err);
  });

  it("fails transiently during an outage and delivers once it is over (the retries are the delivery worker's)", async () => {
    const sender = twilioSender();
    stub.setFailure({ failNext: 2 });
    for (let attempt = 0; attempt < 2; attempt++) expect(await deliveryFailure(sender.send(message()))).toMatchObject({ transient: true });
    await sender.send(message());
    expect(stub.requestCount).toBe(3);
    expect((await stub.nextMessage()).to).toBe(TO);
  });

  it('refuses to send after close()', async () => {
    const sender = twilioSender();
    await sender.close();

    const err = await deliveryFailure(sender.send(message()));
    expect(err).toMatchObject({ reason: 'sender_closed', transient: true });
    expect(stub.requestCount).toBe(0);
  });

  it('refuses unusable configuration without echoing secrets', () => {
    const make = (overrides: Partial<Parameters<typeof createTwilioSmsSender>[0]>) => () =>
      createTwilioSmsSender({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM, apiBaseUrl: null, ...overrides });
    expect(make({ accountSid: 'SK123' })).toThrow(TypeError);
    expect(make({ authToken: '' })).toThrow(TypeError);
    expect(make({ apiBaseUrl: 'ftp://twilio.test' })).toThrow(TypeError);
    expect(make({ apiBaseUrl: 'http://user:hunter2@twilio.test' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });
});

describe('toSmsDeliveryError', () => {
  const rest = (status: number, code?: number) => Object.assign(new Error(`The 'To' number ${TO} is bad`), { status, code });

  it.each([
    [rest(403, 20008), 'sms_auth_failed', false, true],
    [rest(400, 21614), 'sms_invalid_number', false, false],
    [rest(400, 21217), 'sms_invalid_number', false, false],
    [rest(400, 21212), 'sms_misconfigured', false, true],
    [rest(400, 21606), 'sms_misconfigured', false, true],
    [rest(400, 21659), 'sms_misconfigured', false, true],
    [rest(400, 21408), 'sms_misconfigured', false, true],
    [rest(400, 21610), 'sms_rejected', false, false],
    [rest(404, 20404), 'sms_misconfigured', false, true],
    [rest(429, 20429), 'sms_unavailable', true, false],
    [rest(503), 'sms_unavailable', true, false],
    [Object.assign(new Error('timeout of 300ms exceeded'), { code: 'ECONNABORTED' }), 'sms_timeout', true, false],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'sms_unreachable', true, false],
    [Object.assign(new Error('self-signed'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'sms_tls_failed', false, true],
    [new Error('something else'), 'sms_failed', true, false],
  ] as const)('%#: maps to %s', (err, reason, transient, configuration) => {
    const mapped = toSmsDeliveryError(err);
    expect(mapped).toMatchObject({ reason, transient, configuration });
    expect(mapped.message).not.toContain(TO);
  });

  it('blames the request, not the configuration, when a custom sender ID is refused as From', () => {
    expect(toSmsDeliveryError(rest(400, 21212), true)).toMatchObject({ reason: 'sms_invalid_sender_id', configuration: false, transient: false });
  });
});

describe('outbox SMS sender', () => {
  const recordingOutbox = () => {
    const stored: Parameters<Outbox['store']>[0][] = [];
    const outbox: Outbox = { store: async (message) => void stored.push(message), list: async () => [] };
    return { stored, outbox };
  };

  it('stores the message in the dev outbox with channel sms and no subject or html', async () => {
    const { stored, outbox } = recordingOutbox();
    const sender = createOutboxSmsSender(outbox);

    expect(sender.kind).toBe('outbox');
    await sender.send(message({ senderId: 'Acme' }));
    await sender.close();

    expect(stored).toEqual([{ channel: 'sms', to: TO, subject: null, text: message().body, html: null }]);
  });

  it('refuses the numbers and sender IDs the Twilio sender refuses', async () => {
    const { stored, outbox } = recordingOutbox();
    const sender = createOutboxSmsSender(outbox);

    expect(await deliveryFailure(sender.send(message({ to: '07700900123' })))).toMatchObject({ reason: 'sms_invalid_number' });
    expect(await deliveryFailure(sender.send(message({ senderId: 'TwelveCharsX' })))).toMatchObject({ reason: 'sms_invalid_sender_id' });
    expect(stored).toHaveLength(0);
  });
});
