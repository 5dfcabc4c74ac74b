import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { databaseOutage, type DatabaseOutage } from '../helpers/database-outage.js';
import { ACCOUNT, codeIn } from '../helpers/otp-fixture.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';
import { type RecordedSms, startTwilioStub, type TwilioStub } from '../helpers/twilio-stub.js';

// Issue 15: a send answered 500 yet was delivered twice. The message went out, recording that
// failed because the database went away, the caller got 500, and the worker sent it again when
// its lease ended. Now the send answers what its committed state says (200: the message is kept,
// it is the worker's), the outcome stays with this process, and its worker hands it to the flow
// once the database is back: before it would claim the message again, so it never sends it twice.
// The database fails for real between the provider's answer and the recording
// (test/helpers/database-outage.ts: on SQLite another connection holds the write lock, on
// PostgreSQL a private cluster is stopped).

let twilio: TwilioStub;
let outage: DatabaseOutage;
let counter = 0;

beforeAll(async () => {
  twilio = await startTwilioStub(ACCOUNT);
  outage = await databaseOutage();
});

afterAll(async () => {
  await twilio?.close();
  await outage?.drop();
});

afterEach(() => outage.end());

interface Sender {
  readonly server: TestServer;
  readonly client: TestClient;
  readonly email: string;
  readonly userId: string;
  /** The SMS the provider accepted for this user. */
  sent(): RecordedSms[];
}

/** A server that waits `firstAttemptMs` for a first attempt, an app and a user, for one describe. */
function useSender(firstAttemptMs: string): Sender {
  const parts: { server?: TestServer; client?: TestClient; email?: string; userId?: string; phone?: string } = {};
  beforeAll(async () => {
    parts.server = await startTestServer({ databaseUrl: outage.url, twilio: { url: twilio.url, ...ACCOUNT }, env: { DELIVERY_FIRST_ATTEMPT_MS: firstAttemptMs } });
    parts.client = await parts.server.createApp({ name: `Bookkeeping ${++counter}` });
    parts.email = `kept${counter}@example.com`;
    parts.phone = `+4479112233${String(counter).padStart(2, '0')}`;
    parts.userId = (await parts.client.call('POST', '/cis/v1/users', { email: parts.email, phone_number: parts.phone })).body.result.user_id;
  });
  afterAll(async () => {
    await parts.server?.close();
  });
  const defined = <V>(value: V | undefined): V => {
    if (value === undefined) throw new Error('the sender has not started');
    return value;
  };
  return {
    get server() {
      return defined(parts.server);
    },
    get client() {
      return defined(parts.client);
    },
    get email() {
      return defined(parts.email);
    },
    get userId() {
      return defined(parts.userId);
    },
    sent: () => twilio.messages.filter((sms) => sms.to === parts.phone),
  };
}

/** The database back and the send's lease ended: the outcome this process kept is handed to the
 * flow first, and the message is not sent again. */
async function expectRecordedOnce({ server, userId, sent }: Sender): Promise<void> {
  await outage.end();
  server.clock.advance(60_000);
  expect(await server.app.deliveries.runDue()).toBe(1);
  expect(await logOf(userId)).toEqual(['xstate.init', 'challenge.delivered']);
  expect(await server.app.deliveries.runDue()).toBe(0);
  expect(sent()).toHaveLength(1);
}

const logOf = async (userId: string) =>
  ((await outage.storage.db.flow.findFirstOrThrow({ where: { userId }, orderBy: { createdAt: 'desc' } })).events as { type: string }[]).map((event) => event.type);

describe('the database fails after the provider answered, within the first-attempt budget', () => {
  const sender = useSender('30000');

  it('the send answers 200, not 500, and the message is sent once', async () => {
    const { client, email, sent } = sender;
    twilio.setFailure('hold');
    const sending = client.call('POST', '/cis/v1/auth/otp/send', { channel: 'sms', identifier_type: 'email', identifier: email });
    await twilio.nextHeld();
    await outage.start();
    twilio.release();
    expect(await sending).toMatchObject({ status: 200, body: { message: 'OTP sent' } });

    await expectRecordedOnce(sender);
    const code = codeIn(sent()[0]?.body ?? '');
    expect((await client.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: code, identifier_type: 'email', identifier: email })).status).toBe(200);
  });
});

describe('the database fails after the provider answered, past the first-attempt budget', () => {
  const sender = useSender('50');

  it('the outcome that comes during the outage is kept until the database is back; the message is sent once', async () => {
    const { server, client, email } = sender;
    twilio.setFailure('hold');
    expect((await client.call('POST', '/cis/v1/auth/otp/send', { channel: 'sms', identifier_type: 'email', identifier: email })).status).toBe(200);
    await twilio.nextHeld();
    await outage.start();
    twilio.release();
    await server.app.deliveries.settled();
    // The worker cannot hand the outcome over yet, and claims nothing meanwhile.
    expect(await server.app.deliveries.runDue()).toBe(0);

    await expectRecordedOnce(sender);
  });
});
