// SMS delivery behind the same two-method shape as email: the official `twilio` client when
// TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN are set, the dev outbox (outbox-sms-sender.ts) otherwise.
//
// TWILIO_API_BASE_URL goes through the client's documented `httpClient` option: a RequestClient
// subclass that points requests for *.twilio.com at the configured base URL. The library itself
// is never patched, so tests exercise the same client code production runs.
//
// Failures become DeliveryError with a short reason plus Twilio's status and error code: never
// Twilio's message (it may echo the number), the body, the auth token or the original error (an
// axios error holds the request config, Authorization header and form data included).

import http from 'node:http';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { DeliveryError } from './delivery-error.js';
import { checkPhoneNumber, checkSenderId, type SmsSender } from './sms-message.js';
import { errorCodeOf, fieldOf } from '../fields.js';

export interface TwilioSmsSenderOptions {
  readonly accountSid: string;
  readonly authToken: string;
  /** TWILIO_FROM: an E.164 number or a Messaging Service SID (`MG…`). */
  readonly from: string | null;
  /** TWILIO_API_BASE_URL; null = Twilio's own hosts. */
  readonly apiBaseUrl: string | null;
  /** Connect and socket-inactivity timeout; the whole request is capped at 3×. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export function createTwilioSmsSender(options: TwilioSmsSenderOptions): SmsSender {
  if (options.accountSid === '' || options.authToken === '') {
    throw new TypeError('TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must both be set');
  }
  if (!options.accountSid.startsWith('AC')) throw new TypeError('TWILIO_ACCOUNT_SID must start with AC');
  const from = options.from === null || options.from.trim() === '' ? null : options.from.trim();
  const httpClient = new TwilioHttpClient(parseBaseUrl(options.apiBaseUrl), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const client = twilio(options.accountSid, options.authToken, { httpClient, autoRetry: false });
  let closed = false;

  return {
    kind: 'twilio',
    async send(message) {
      if (closed) throw new DeliveryError('sender_closed', true);
      const to = checkPhoneNumber(message.to);
      const senderId = checkSenderId(message.senderId);
      const sender = senderParams(from, senderId);
      try {
        await client.messages.create({ to, body: message.body, ...sender });
      } catch (err) {
        throw toSmsDeliveryError(err, senderId !== null);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      httpClient.destroy();
    },
  };
}

interface SenderParams {
  readonly from?: string;
  readonly messagingServiceSid?: string;
}

function senderParams(from: string | null, senderId: string | null): SenderParams {
  const service = from?.startsWith('MG') ? from : null;
  // With a Messaging Service the sender ID is picked from its pool (Twilio accepts both
  // parameters), so the service's features stay on; otherwise the sender ID is the sender.
  if (senderId !== null) return service === null ? { from: senderId } : { messagingServiceSid: service, from: senderId };
  if (service !== null) return { messagingServiceSid: service };
  if (from !== null) return { from };
  throw new DeliveryError('sms_misconfigured', false);
}

function parseBaseUrl(value: string | null): URL | null {
  if (value === null || value.trim() === '') return null;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new TypeError('TWILIO_API_BASE_URL is not a valid URL');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new TypeError('TWILIO_API_BASE_URL must be an http(s) URL without credentials, query or fragment');
  }
  return url;
}

/**
 * The httpClient handed to twilio: Twilio's own RequestClient (auth, form encoding, response
 * shape) with the *.twilio.com origin swapped for the configured base URL, our timeout, and no
 * console debug logging (TWILIO_LOG_LEVEL=debug would otherwise print request details).
 */
class TwilioHttpClient extends twilio.RequestClient {
  readonly #baseUrl: URL | null;
  readonly #httpAgent: http.Agent;

  constructor(baseUrl: URL | null, timeoutMs: number) {
    // `timeout` is the https.Agent socket timeout and the default per-request timeout.
    super({ timeout: timeoutMs, keepAlive: true, autoRetry: false });
    this.#baseUrl = baseUrl;
    // An agent of our own for http:// base URLs, so close() can end its keep-alive sockets.
    this.#httpAgent = new http.Agent({ keepAlive: true, timeout: timeoutMs });
    this.axios.defaults.httpAgent = this.#httpAgent;
    // The per-request timeout is an inactivity timeout; a server trickling bytes would dodge it.
    this.axios.interceptors.request.use((config) => {
      config.signal ??= AbortSignal.timeout(timeoutMs * 3);
      return config;
    });
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    return super.request<TData>({ ...opts, uri: this.#rewrite(opts.uri), logLevel: undefined });
  }

  destroy(): void {
    this.#httpAgent.destroy();
    const httpsAgent: unknown = this.axios.defaults.httpsAgent;
    if (httpsAgent instanceof http.Agent) httpsAgent.destroy();
  }

  #rewrite(uri: string): string {
    if (this.#baseUrl === null) return uri;
    const target = new URL(uri);
    if (target.hostname !== 'twilio.com' && !target.hostname.endsWith('.twilio.com')) return uri;
    const prefix = this.#baseUrl.pathname.replace(/\/+$/, '');
    return `${this.#baseUrl.origin}${prefix}${target.pathname}${target.search}`;
  }
}

// Twilio error codes (https://www.twilio.com/docs/api/errors) that say whose fault a 4xx is.
const INVALID_TO = new Set([21211, 21217, 21614]);
const INVALID_FROM = new Set([21212, 21606, 21659]);
/** Geo permissions (21408) and Messaging Service setup (21703–21705): the operator's to fix. */
const MISCONFIGURED = new Set([21408, 21703, 21704, 21705]);
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ERR_CANCELED']);
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ERR_NETWORK', 'ERR_SOCKET_CONNECTION_TIMEOUT']);
const TLS_CODES = new Set([
  'EPROTO',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * A twilio RestException / TwilioServiceException (numeric `status` and `code`) or an axios
 * network error (string `code`) → DeliveryError. `customSender`: the From came from the request's
 * sender ID, so a rejected From is the caller's fault rather than the configuration's.
 */
export function toSmsDeliveryError(err: unknown, customSender = false): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = { status: fieldOf(err, 'status'), code: fieldOf(err, 'code'), cause: fieldOf(err, 'cause') };
  if (typeof e.status === 'number') {
    const status = e.status;
    const code = typeof e.code === 'number' ? e.code : null;
    const codes = { httpStatus: status, providerCode: code };
    if (code === 20003 || status === 401 || status === 403) return new DeliveryError('sms_auth_failed', false, null, codes);
    if (code !== null && INVALID_TO.has(code)) return new DeliveryError('sms_invalid_number', false, null, codes);
    if (code !== null && INVALID_FROM.has(code)) {
      return new DeliveryError(customSender ? 'sms_invalid_sender_id' : 'sms_misconfigured', false, null, codes);
    }
    if (code !== null && MISCONFIGURED.has(code)) return new DeliveryError('sms_misconfigured', false, null, codes);
    if (status === 429 || status >= 500) return new DeliveryError('sms_unavailable', true, null, codes);
    // Messages.json itself missing: a wrong base URL or account, not the recipient.
    if (status === 404) return new DeliveryError('sms_misconfigured', false, null, codes);
    if (status >= 400) return new DeliveryError('sms_rejected', false, null, codes);
    return new DeliveryError('sms_failed', true, null, codes);
  }
  const code = networkCode(e);
  if (TIMEOUT_CODES.has(code)) return new DeliveryError('sms_timeout', true);
  if (UNREACHABLE_CODES.has(code)) return new DeliveryError('sms_unreachable', true);
  if (TLS_CODES.has(code)) return new DeliveryError('sms_tls_failed', false);
  // Unknown: assume the next attempt may fare better rather than declaring the setup broken.
  return new DeliveryError('sms_failed', true);
}

function networkCode(e: { code?: unknown; cause?: unknown }): string {
  if (typeof e.code === 'string' && e.code !== 'ERR_NETWORK') return e.code;
  const causeCode = errorCodeOf(e.cause);
  if (causeCode !== undefined) return causeCode;
  return typeof e.code === 'string' ? e.code : '';
}
