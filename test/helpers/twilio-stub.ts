// A Twilio-compatible Messages endpoint on 127.0.0.1:0 for tests: the real `twilio` client talks
// to it through createTwilioSmsSender's apiBaseUrl (STYLE §2.9). It checks HTTP Basic credentials
// the way Twilio does, records every accepted message and hands them out in arrival order through
// nextMessage(), which waits on arrival events rather than polling. setFailure() makes it fail
// the ways the real API does: errors with Twilio's JSON shape, an outage, or no answer at all
// ('hang'); 'hold' keeps each request unanswered until release() answers it as a working API would.

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { arrivalQueue } from './arrival-queue.js';

export interface RecordedSms {
  /** The account SID in the request path. */
  readonly accountSid: string;
  readonly to: string;
  readonly from: string | null;
  readonly messagingServiceSid: string | null;
  readonly body: string;
}

export type TwilioFailureMode = null | 'server-error' | 'invalid-number' | 'hang' | 'hold' | { readonly failNext: number };

export interface TwilioStub {
  /** The base URL to pass as apiBaseUrl (TWILIO_API_BASE_URL), e.g. `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Every accepted message, in arrival order (taken or not). */
  readonly messages: RecordedSms[];
  /** Every request that reached the Messages endpoint, accepted or not. */
  readonly requestCount: number;
  /** The next message nextMessage() has not handed out yet; waits for one to arrive. */
  nextMessage(timeoutMs?: number): Promise<RecordedSms>;
  /** Waits for the next request 'hold' keeps unanswered (resolves once it has fully arrived). */
  nextHeld(timeoutMs?: number): Promise<void>;
  /** How many held requests are still unanswered. */
  readonly heldCount: number;
  /** Answers every held request as a working API does (and stops holding new ones). */
  release(): void;
  setFailure(mode: TwilioFailureMode): void;
  close(): Promise<void>;
}

export interface TwilioStubOptions {
  readonly accountSid: string;
  readonly authToken: string;
}

/** How long a wait for something that will arrive may take: a guard against a hang, not a bound on
 * speed, generous for a loaded 2-core machine (issue 16 §5). */
const DEFAULT_WAIT_MS = 30_000;
const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;

export async function startTwilioStub(options: TwilioStubOptions): Promise<TwilioStub> {
  const expectedAuth = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  let failure: TwilioFailureMode = null;
  let requestCount = 0;
  const arrivals = arrivalQueue<RecordedSms>('an SMS');
  const messages = arrivals.items;
  const heldArrivals = arrivalQueue<true>('a held request');
  let held: (() => void)[] = [];

  const record = (message: RecordedSms): void => arrivals.push(message);

  const handle = (req: IncomingMessage, res: ServerResponse, rawBody: string): void => {
    const match = MESSAGES_PATH.exec(new URL(req.url ?? '/', 'http://stub').pathname);
    if (match === null || req.method !== 'POST') {
      reply(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
      return;
    }
    requestCount += 1;
    const mode = failure;
    if (mode === 'hang') return; // never answered; close() ends the connection
    if (mode === 'hold') {
      held.push(() => answer(req, res, rawBody, match[1] ?? '', null));
      heldArrivals.push(true);
      return;
    }
    answer(req, res, rawBody, match[1] ?? '', mode);
  };

  const answer = (req: IncomingMessage, res: ServerResponse, rawBody: string, accountSid: string, mode: TwilioFailureMode): void => {
    if (typeof mode === 'object' && mode !== null) {
      failure = mode.failNext > 1 ? { failNext: mode.failNext - 1 } : null;
      reply(res, 503, { code: 20503, message: 'Service Unavailable', status: 503 });
      return;
    }
    if (mode === 'server-error') {
      reply(res, 500, { code: 20500, message: 'Internal Server Error', status: 500 });
      return;
    }
    if (req.headers.authorization !== expectedAuth) {
      reply(res, 401, { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
      return;
    }
    if (accountSid !== options.accountSid) {
      reply(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
      return;
    }
    const form = new URLSearchParams(rawBody);
    const to = form.get('To');
    const from = form.get('From');
    const messagingServiceSid = form.get('MessagingServiceSid');
    const body = form.get('Body');
    if (to === null) {
      reply(res, 400, twilioError(21604, "A 'To' phone number is required."));
      return;
    }
    if (from === null && messagingServiceSid === null) {
      reply(res, 400, twilioError(21603, "A 'From' phone number is required."));
      return;
    }
    if (body === null || body === '') {
      reply(res, 400, twilioError(21602, 'Message body is required.'));
      return;
    }
    if (mode === 'invalid-number') {
      // Like Twilio, the message echoes the number: the sender must not pass it on.
      reply(res, 400, twilioError(21211, `The 'To' number ${to} is not a valid phone number.`));
      return;
    }

    record({ accountSid, to, from, messagingServiceSid, body });
    reply(res, 201, messageResource({ accountSid, to, from, messagingServiceSid, body }));
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => {});
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    get requestCount() {
      return requestCount;
    },
    nextMessage(timeoutMs = DEFAULT_WAIT_MS) {
      return arrivals.next(timeoutMs);
    },
    async nextHeld(timeoutMs = DEFAULT_WAIT_MS) {
      await heldArrivals.next(timeoutMs);
    },
    get heldCount() {
      return held.length;
    },
    release() {
      if (failure === 'hold') failure = null;
      const answers = held;
      held = [];
      for (const answerHeld of answers) answerHeld();
    },
    setFailure(mode) {
      failure = mode;
    },
    async close() {
      if (!arrivals.close()) return;
      heldArrivals.close();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive sockets and 'hang' requests would otherwise hold close() open.
      server.closeAllConnections();
      await done;
    },
  };
}

function reply(res: ServerResponse, status: number, payload: object): void {
  const json = JSON.stringify(payload);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) });
  res.end(json);
}

function twilioError(code: number, message: string): object {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status: 400 };
}

/** The fields of Twilio's Message resource that twilio-node's MessageInstance reads. */
function messageResource(message: RecordedSms): object {
  const sid = `SM${randomBytes(16).toString('hex')}`;
  const now = new Date().toUTCString().replace('GMT', '+0000');
  return {
    account_sid: message.accountSid,
    api_version: '2010-04-01',
    body: message.body,
    date_created: now,
    date_sent: null,
    date_updated: now,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: message.from,
    messaging_service_sid: message.messagingServiceSid,
    num_media: '0',
    num_segments: '1',
    price: null,
    price_unit: 'USD',
    sid,
    status: 'queued',
    subresource_uris: { media: `/2010-04-01/Accounts/${message.accountSid}/Messages/${sid}/Media.json` },
    to: message.to,
    uri: `/2010-04-01/Accounts/${message.accountSid}/Messages/${sid}.json`,
  };
}
