import type { Argon2Params } from './config-argon2.js';
import { type MasterKeySource, masterKeySource } from './config-master-key.js';
import { type PasswordWork, readPasswordSettings } from './config-passwords.js';
import { type RateLimits, readListening, readRateLimits, readTimeouts, readTwilio, type Timeouts, type TwilioConfig } from './config-sections.js';
import { deepFreeze, type Env, type RateLimit, retryDelays, type ValueReader, valueReader } from './config-values.js';

export type { MasterKeySource, RateLimit };

// loadConfig(env) is the single source of truth for configuration: every variable, its default
// and its check live here. It reports every problem at once; src/main.ts exits before listening.

export type SigningAlg = 'RS256' | 'ES256' | 'EdDSA';
type NodeEnv = 'development' | 'production' | 'test';

export interface Config {
  readonly nodeEnv: NodeEnv;
  readonly host: string;
  readonly port: number;
  readonly publicUrl: string;
  readonly issuer: string;
  readonly databaseUrl: string;
  /** null = admin API answers 401 (main.ts generates one in development). */
  readonly adminToken: string | null;
  readonly masterKey: MasterKeySource;
  /** Shared rate-limit counters for several instances; null = counters in this process. */
  readonly redisUrl: string | null;
  readonly smtpUrl: string | null;
  readonly emailFrom: string;
  readonly twilio: TwilioConfig | null;
  /** Waits before each retry of a transiently failed delivery (bounded backoff). */
  readonly deliveryRetryDelaysMs: readonly number[];
  /** How often the delivery worker looks for due messages (tests drive it instead: they do not run main.ts). */
  readonly deliveryPollMs: number;
  /** The longest a send waits for its first delivery attempt before answering; the attempt goes on
   * in the background (0: the send never waits). */
  readonly deliveryFirstAttemptMs: number;
  readonly tokenSigningAlg: SigningAlg;
  /** How recently a user token's session must have logged in with its authenticator to replace it
   * (`allow_override`). */
  readonly totpOverrideWindowMs: number;
  /** A refused password or authenticator login answers no sooner than this after it began
   * (src/credentials/refusal-floor.ts). */
  readonly loginRefusalFloorMs: number;
  /** Argon2id cost of password hashes (a change re-hashes each password at its next login). */
  readonly passwordHashing: Argon2Params;
  /** How much Argon2 work may run, and wait, at once (src/credentials/argon2-gate.ts). */
  readonly passwordWork: PasswordWork;
  /** How often an instance re-reads signing and HMAC keys; also how long a rotated-in key waits
   * before it signs, so every instance knows it first. */
  readonly keyRefreshMs: number;
  /** How often an instance checks whether another one changed an app (and forgets its cached apps). */
  readonly appRefreshMs: number;
  readonly logLevel: string;
  readonly bodyLimitBytes: number;
  readonly docsEnabled: boolean;
  readonly timeouts: Timeouts;
  readonly retention: {
    /** How often the purge job runs; 0 = never. */
    readonly purgeIntervalMs: number;
    /** Finished flows, ended sessions and their event logs are kept this long (the audit period). */
    readonly auditMs: number;
    /** Expired or used codes, refresh tokens, lockouts and dev-outbox messages are kept this long. */
    readonly graceMs: number;
  };
  readonly rateLimits: RateLimits;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const SIGNING_ALGS = ['RS256', 'ES256', 'EdDSA'] as const;
const NODE_ENVS = ['development', 'production', 'test'] as const;
const HOUR_MS = 3_600_000;

export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const read = valueReader(env, problems);

  const nodeEnv = read.oneOf<NodeEnv>('NODE_ENV', 'development', NODE_ENVS);
  const { host, port, publicUrl, issuer } = readListening(read, nodeEnv, problems);
  const { databaseUrl, smtpUrl, redisUrl } = readConnections(read, problems);
  const twilio = readTwilio(read, problems);
  const { adminToken, masterKey } = readSecrets(read, nodeEnv, problems);
  const timeouts = readTimeouts(read, problems);

  const config: Config = {
    nodeEnv,
    host,
    port,
    publicUrl,
    issuer,
    databaseUrl,
    adminToken,
    masterKey,
    redisUrl,
    smtpUrl,
    emailFrom: read.text('EMAIL_FROM') ?? 'Keystate <no-reply@localhost>',
    twilio,
    tokenSigningAlg: read.oneOf('TOKEN_SIGNING_ALG', 'RS256', SIGNING_ALGS),
    totpOverrideWindowMs: read.integer('TOTP_OVERRIDE_WINDOW_SECONDS', 600, 30, 86_400) * 1000,
    loginRefusalFloorMs: read.integer('LOGIN_REFUSAL_FLOOR_MS', 10, 0, 1000),
    ...readPasswordSettings(read, problems),
    keyRefreshMs: read.integer('KEY_REFRESH_SECONDS', 30, 1, 3600) * 1000,
    appRefreshMs: read.integer('APP_REFRESH_MS', 1000, 50, 60_000),
    logLevel: read.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
    bodyLimitBytes: read.integer('BODY_LIMIT_BYTES', 64 * 1024, 1024, 10 * 1024 * 1024),
    docsEnabled: read.boolean('DOCS_ENABLED', true),
    timeouts,
    ...readDelivery(read, problems),
    retention: readRetention(read),
    rateLimits: readRateLimits(read),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

/** The database, and the SMTP and Redis servers when set. */
function readConnections(read: ValueReader, problems: string[]): Pick<Config, 'databaseUrl' | 'smtpUrl' | 'redisUrl'> {
  const databaseUrl = read.text('DATABASE_URL') ?? 'file:./data/keystate.db';
  if (!/^(file:|postgres:\/\/|postgresql:\/\/)/.test(databaseUrl)) {
    problems.push('DATABASE_URL: expected file:<path> (SQLite) or postgres://… / postgresql://… (PostgreSQL)');
  }
  const smtpRaw = read.text('SMTP_URL');
  const smtpUrl = smtpRaw === undefined ? null : read.url('SMTP_URL', smtpRaw, ['smtp:', 'smtps:']);
  const redisRaw = read.text('REDIS_URL');
  const redisUrl = redisRaw === undefined ? null : read.url('REDIS_URL', redisRaw, ['redis:', 'rediss:']);
  return { databaseUrl, smtpUrl, redisUrl };
}

/** The admin token and where the master key comes from (required in production). */
function readSecrets(read: ValueReader, nodeEnv: NodeEnv, problems: string[]): Pick<Config, 'adminToken' | 'masterKey'> {
  const adminToken = read.text('KEYSTATE_ADMIN_TOKEN') ?? null;
  if (adminToken !== null && adminToken.length < 16) {
    problems.push('KEYSTATE_ADMIN_TOKEN: must be at least 16 characters');
  }
  const masterKey = masterKeySource(read.text('KEYSTATE_MASTER_KEY'), read.text('KEYSTATE_MASTER_KEY_FILE'), nodeEnv === 'production', problems);
  return { adminToken, masterKey };
}

function readDelivery(read: ValueReader, problems: string[]): Pick<Config, 'deliveryRetryDelaysMs' | 'deliveryPollMs' | 'deliveryFirstAttemptMs'> {
  return {
    deliveryRetryDelaysMs: retryDelays(read.text('DELIVERY_RETRY_DELAYS_MS'), problems),
    deliveryPollMs: read.integer('DELIVERY_POLL_MS', 1000, 50, 60_000),
    // Past this a send answers 200 with its message kept; 30 s is as long as any attempt can last.
    deliveryFirstAttemptMs: read.integer('DELIVERY_FIRST_ATTEMPT_MS', 1500, 0, 30_000),
  };
}

function readRetention(read: ValueReader): Config['retention'] {
  return {
    purgeIntervalMs: read.integer('PURGE_INTERVAL_SECONDS', 3600, 0, 7 * 86_400) * 1000,
    auditMs: read.integer('AUDIT_RETENTION_DAYS', 30, 1, 3650) * 24 * HOUR_MS,
    graceMs: read.integer('RETENTION_HOURS', 24, 1, 24 * 365) * HOUR_MS,
  };
}
