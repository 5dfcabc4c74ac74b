import { isLoopbackHost, type RateLimit, rateLimit, type ValueReader } from './config-values.js';

// Sections of the configuration that take more than one line to read (src/config.ts loadConfig):
// each reads its variables and records its problems, as the single values do.

export interface TwilioConfig {
  readonly accountSid: string;
  readonly authToken: string;
  readonly from: string | null;
  readonly apiBaseUrl: string | null;
}

export interface Timeouts {
  /** Whole request (headers and body) must arrive within this. */
  readonly requestMs: number;
  readonly headersMs: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveMs: number;
}

export interface RateLimits {
  /** Client-credentials token endpoint, per client_id. */
  readonly clientToken: RateLimit;
  /** Magic-link and OTP sends, per app and user (or normalised identifier). */
  readonly send: RateLimit;
  /** Sends per app, whatever the user (caps what one app can cost in SMS and email); magic
   * links and passcodes count separately. */
  readonly sendPerApp: RateLimit;
  /** Authenticate calls, per app and user (or normalised identifier / code). */
  readonly authenticate: RateLimit;
  /** Silent authentication, per session. */
  readonly silentAuth: RateLimit;
  /** Wrong admin tokens, per client address (src/http/routes/admin-guard.ts). */
  readonly adminAuth: RateLimit;
}

/** Where the server listens and the URLs it names itself by. */
export function readListening(read: ValueReader, nodeEnv: string, problems: string[]): { host: string; port: number; publicUrl: string; issuer: string } {
  const host = read.text('HOST') ?? '127.0.0.1';
  if (nodeEnv !== 'production' && !isLoopbackHost(host)) {
    problems.push(
      `HOST: "${host}" is not a loopback address, and ${nodeEnv} mode (generated admin token, Dev App, /dev/outbox) only listens on ` +
        '127.0.0.1, ::1 or localhost. To serve other hosts, run in production: NODE_ENV=production with KEYSTATE_ADMIN_TOKEN and KEYSTATE_MASTER_KEY set.',
    );
  }
  const port = read.integer('PORT', 3000, 0, 65_535);
  const bareHost = host.replace(/^\[(.*)\]$/, '$1');
  const publicUrl = read.url('PUBLIC_URL', `http://${bareHost.includes(':') ? `[${bareHost}]` : bareHost}:${port}`, ['http:', 'https:']);
  const issuer = read.url('ISSUER', publicUrl, ['http:', 'https:']);
  return { host, port, publicUrl, issuer };
}

/** Twilio's account, when SMS goes through it: both credentials or neither. */
export function readTwilio(read: ValueReader, problems: string[]): TwilioConfig | null {
  const accountSid = read.text('TWILIO_ACCOUNT_SID');
  const authToken = read.text('TWILIO_AUTH_TOKEN');
  if ((accountSid === undefined) !== (authToken === undefined)) {
    problems.push('TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN: set both or neither');
  }
  if (accountSid !== undefined && !/^AC[0-9a-fA-F]{32}$/.test(accountSid)) {
    problems.push('TWILIO_ACCOUNT_SID: expected "AC" followed by 32 hexadecimal characters');
  }
  const twilioBase = read.text('TWILIO_API_BASE_URL');
  if (accountSid === undefined || authToken === undefined) return null;
  return {
    accountSid,
    authToken,
    from: read.text('TWILIO_FROM') ?? null,
    apiBaseUrl: twilioBase === undefined ? null : read.url('TWILIO_API_BASE_URL', twilioBase, ['http:', 'https:']),
  };
}

/** Node's HTTP timeouts; headers must arrive within the request's own limit. */
export function readTimeouts(read: ValueReader, problems: string[]): Timeouts {
  const request = read.integer('REQUEST_TIMEOUT_MS', 30_000, 100, 600_000);
  const headers = read.integer('HEADERS_TIMEOUT_MS', 10_000, 100, 600_000);
  if (headers > request) problems.push('HEADERS_TIMEOUT_MS: must not be longer than REQUEST_TIMEOUT_MS');
  return { requestMs: request, headersMs: headers, keepAliveMs: read.integer('KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, 600_000) };
}

/** Each limited route's budget (config-values.ts rateLimit reads one). */
export function readRateLimits(read: ValueReader): RateLimits {
  const limit = (prefix: string, max: number, windowSeconds: number) => rateLimit(read, prefix, max, windowSeconds);
  return {
    clientToken: limit('RATE_LIMIT_CLIENT_TOKEN', 60, 60),
    send: limit('RATE_LIMIT_SEND', 5, 60),
    sendPerApp: limit('RATE_LIMIT_SEND_PER_APP', 600, 60),
    authenticate: limit('RATE_LIMIT_AUTHENTICATE', 20, 60),
    silentAuth: limit('RATE_LIMIT_SILENT_AUTH', 60, 60),
    adminAuth: limit('RATE_LIMIT_ADMIN_AUTH', 10, 300),
  };
}
