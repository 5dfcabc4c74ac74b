// loadConfig(env) is the single source of truth for configuration: every variable, its default
// and its check live here. It reports every problem at once; src/main.ts exits before listening.

export type SigningAlg = 'RS256' | 'ES256' | 'EdDSA';
export type NodeEnv = 'development' | 'production' | 'test';

export interface RateLimit {
  /** Requests allowed per window. */
  readonly max: number;
  readonly windowMs: number;
}

export interface Config {
  readonly nodeEnv: NodeEnv;
  readonly host: string;
  readonly port: number;
  readonly publicUrl: string;
  readonly issuer: string;
  readonly databaseUrl: string;
  /** null = admin API answers 401 (main.ts generates one in development). */
  readonly adminToken: string | null;
  readonly smtpUrl: string | null;
  readonly emailFrom: string;
  readonly twilio: {
    readonly accountSid: string;
    readonly authToken: string;
    readonly from: string | null;
    readonly apiBaseUrl: string | null;
  } | null;
  /** Waits before each retry of a transiently failed delivery (bounded backoff). */
  readonly deliveryRetryDelaysMs: readonly number[];
  readonly tokenSigningAlg: SigningAlg;
  readonly logLevel: string;
  readonly bodyLimitBytes: number;
  readonly rateLimits: {
    /** Client-credentials token endpoint, per client_id. */
    readonly clientToken: RateLimit;
    /** Magic-link and OTP sends, per app and identifier. */
    readonly send: RateLimit;
    /** OTP sends per app, whatever the identifier (caps what one app can cost in SMS). */
    readonly sendPerApp: RateLimit;
    /** Authenticate calls, per app and code/identifier. */
    readonly authenticate: RateLimit;
    /** Silent authentication, per session. */
    readonly silentAuth: RateLimit;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const SIGNING_ALGS: readonly SigningAlg[] = ['RS256', 'ES256', 'EdDSA'];

type Env = Readonly<Record<string, string | undefined>>;

export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}: expected a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const url = (name: string, fallback: string, protocols: readonly string[]): string => {
    const raw = text(name) ?? fallback;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name}: expected a ${protocols.join(' or ')} URL, got "${parsed.protocol}"`);
      }
    } catch {
      problems.push(`${name}: not a valid URL`);
    }
    return raw.replace(/\/+$/, '');
  };
  const limit = (prefix: string, max: number, windowSeconds: number): RateLimit => ({
    max: integer(`${prefix}_MAX`, max, 1, 1_000_000),
    windowMs: integer(`${prefix}_WINDOW_SECONDS`, windowSeconds, 1, 86_400) * 1000,
  });

  const nodeEnvRaw = text('NODE_ENV') ?? 'development';
  const nodeEnv: NodeEnv = nodeEnvRaw === 'production' || nodeEnvRaw === 'test' ? nodeEnvRaw : 'development';

  const host = text('HOST') ?? '127.0.0.1';
  const port = integer('PORT', 3000, 0, 65_535);
  const publicUrl = url('PUBLIC_URL', `http://${host.includes(':') ? `[${host}]` : host}:${port}`, ['http:', 'https:']);
  const issuer = url('ISSUER', publicUrl, ['http:', 'https:']);

  const databaseUrl = text('DATABASE_URL') ?? 'file:./data/keystate.db';
  if (!/^(file:|postgres:\/\/|postgresql:\/\/)/.test(databaseUrl)) {
    problems.push('DATABASE_URL: expected file:<path> (SQLite) or postgres://… / postgresql://… (PostgreSQL)');
  }

  const smtpRaw = text('SMTP_URL');
  const smtpUrl = smtpRaw === undefined ? null : url('SMTP_URL', smtpRaw, ['smtp:', 'smtps:']);

  const accountSid = text('TWILIO_ACCOUNT_SID');
  const authToken = text('TWILIO_AUTH_TOKEN');
  if ((accountSid === undefined) !== (authToken === undefined)) {
    problems.push('TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN: set both or neither');
  }
  if (accountSid !== undefined && !/^AC[0-9a-fA-F]{32}$/.test(accountSid)) {
    problems.push('TWILIO_ACCOUNT_SID: expected "AC" followed by 32 hexadecimal characters');
  }
  const twilioBase = text('TWILIO_API_BASE_URL');
  const twilio =
    accountSid !== undefined && authToken !== undefined
      ? {
          accountSid,
          authToken,
          from: text('TWILIO_FROM') ?? null,
          apiBaseUrl: twilioBase === undefined ? null : url('TWILIO_API_BASE_URL', twilioBase, ['http:', 'https:']),
        }
      : null;

  const alg = text('TOKEN_SIGNING_ALG') ?? 'RS256';
  if (!SIGNING_ALGS.includes(alg as SigningAlg)) {
    problems.push(`TOKEN_SIGNING_ALG: expected one of ${SIGNING_ALGS.join(', ')}, got "${alg}"`);
  }
  const logLevel = text('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const adminToken = text('KEYSTATE_ADMIN_TOKEN') ?? null;
  if (adminToken !== null && adminToken.length < 16) {
    problems.push('KEYSTATE_ADMIN_TOKEN: must be at least 16 characters');
  }

  const config: Config = {
    nodeEnv,
    host,
    port,
    publicUrl,
    issuer,
    databaseUrl,
    adminToken,
    smtpUrl,
    emailFrom: text('EMAIL_FROM') ?? 'Keystate <no-reply@localhost>',
    twilio,
    tokenSigningAlg: alg as SigningAlg,
    logLevel,
    bodyLimitBytes: integer('BODY_LIMIT_BYTES', 64 * 1024, 1024, 10 * 1024 * 1024),
    deliveryRetryDelaysMs: retryDelays(text('DELIVERY_RETRY_DELAYS_MS'), problems),
    rateLimits: {
      clientToken: limit('RATE_LIMIT_CLIENT_TOKEN', 60, 60),
      send: limit('RATE_LIMIT_SEND', 5, 60),
      sendPerApp: limit('RATE_LIMIT_SEND_PER_APP', 600, 60),
      authenticate: limit('RATE_LIMIT_AUTHENTICATE', 20, 60),
      silentAuth: limit('RATE_LIMIT_SILENT_AUTH', 60, 60),
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

/** "200,1000" → [200, 1000]: one wait per retry; "" or "none" → no retries. */
function retryDelays(raw: string | undefined, problems: string[]): number[] {
  if (raw === undefined) return [200, 1000];
  if (raw === 'none') return [];
  const delays = raw.split(',').map((part) => Number(part.trim()));
  if (delays.length > 5 || delays.some((delay) => !Number.isInteger(delay) || delay < 0 || delay > 30_000)) {
    problems.push('DELIVERY_RETRY_DELAYS_MS: expected up to 5 comma-separated waits in milliseconds (0–30000), or "none"');
    return [200, 1000];
  }
  return delays;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
