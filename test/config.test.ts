import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

// loadConfig (keystate-server.md §2): the defaults, and every invalid value reported at once,
// each problem naming its variable.

const PRODUCTION = { NODE_ENV: 'production', KEYSTATE_MASTER_KEY: Buffer.alloc(32, 1).toString('base64') };

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('loadConfig accepted an invalid environment');
}

describe('loadConfig defaults', () => {
  it('an empty environment gives the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      host: '127.0.0.1',
      port: 3000,
      publicUrl: 'http://127.0.0.1:3000',
      issuer: 'http://127.0.0.1:3000',
      databaseUrl: 'file:./data/keystate.db',
      adminToken: null,
      smtpUrl: null,
      emailFrom: 'Keystate <no-reply@localhost>',
      twilio: null,
      tokenSigningAlg: 'RS256',
      logLevel: 'info',
      bodyLimitBytes: 64 * 1024,
      totpOverrideWindowMs: 600_000,
    });
    expect(config.rateLimits.clientToken.max).toBeGreaterThan(0);
    expect(config.rateLimits.clientToken.windowMs).toBeGreaterThan(0);
    // Wrong admin tokens (issue 15): 10 per client address in 5 minutes.
    expect(config.rateLimits.adminAuth).toEqual({ max: 10, windowMs: 300_000 });
  });

  it('empty or blank values count as unset', () => {
    const config = loadConfig({ PORT: '', HOST: '  ', SMTP_URL: '', TOKEN_SIGNING_ALG: '', KEYSTATE_ADMIN_TOKEN: '' });
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', smtpUrl: null, tokenSigningAlg: 'RS256', adminToken: null });
  });

  it('PUBLIC_URL follows HOST and PORT; ISSUER follows PUBLIC_URL; each can be set', () => {
    expect(loadConfig({ ...PRODUCTION, HOST: '0.0.0.0', PORT: '8080' })).toMatchObject({ publicUrl: 'http://0.0.0.0:8080', issuer: 'http://0.0.0.0:8080' });
    expect(loadConfig({ HOST: '::1', PORT: '8080' }).publicUrl).toBe('http://[::1]:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://auth.example.com/' })).toMatchObject({ publicUrl: 'https://auth.example.com', issuer: 'https://auth.example.com' });
    expect(loadConfig({ PUBLIC_URL: 'https://auth.example.com', ISSUER: 'https://id.example.com' })).toMatchObject({
      publicUrl: 'https://auth.example.com',
      issuer: 'https://id.example.com',
    });
  });

  it('accepts each supported engine, algorithm and channel setting', () => {
    for (const url of ['file:/tmp/x.db', 'postgres://u:p@h/db', 'postgresql://u:p@h:5432/db']) expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) expect(loadConfig({ TOKEN_SIGNING_ALG: alg }).tokenSigningAlg).toBe(alg);
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) expect(loadConfig({ LOG_LEVEL: level }).logLevel).toBe(level);
    expect(loadConfig({ SMTP_URL: 'smtp://user:pass@mail.example.com:587' }).smtpUrl).toBe('smtp://user:pass@mail.example.com:587');
    expect(loadConfig({ SMTP_URL: 'smtps://mail.example.com' }).smtpUrl).toBe('smtps://mail.example.com');
    expect(loadConfig({ TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef', TWILIO_AUTH_TOKEN: 'secret', TWILIO_FROM: '+15005550006' }).twilio).toEqual({
      accountSid: 'AC0123456789abcdef0123456789abcdef',
      authToken: 'secret',
      from: '+15005550006',
      apiBaseUrl: null,
    });
    expect(loadConfig({ KEYSTATE_ADMIN_TOKEN: 'a-long-enough-admin-token' }).adminToken).toBe('a-long-enough-admin-token');
    expect(loadConfig(PRODUCTION).nodeEnv).toBe('production');
  });

  it('the result is frozen', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.rateLimits.clientToken)).toBe(true);
  });
});

describe('loadConfig refuses invalid values', () => {
  const invalid: Record<string, Record<string, string>> = {
    PORT: { PORT: 'abc' },
    DATABASE_URL: { DATABASE_URL: 'mysql://x' },
    TOKEN_SIGNING_ALG: { TOKEN_SIGNING_ALG: 'HS256' },
    LOG_LEVEL: { LOG_LEVEL: 'loud' },
    SMTP_URL: { SMTP_URL: 'http://x' },
    TWILIO_AUTH_TOKEN: { TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef' },
    TWILIO_ACCOUNT_SID: { TWILIO_AUTH_TOKEN: 'secret' },
  };

  for (const [name, env] of Object.entries(invalid)) {
    it(`${JSON.stringify(env)} is refused, naming ${name}`, () => {
      const problems = problemsOf(env);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(name);
    });
  }

  it('reports every problem at once, one per variable, each naming its variable', () => {
    const problems = problemsOf({
      PORT: 'abc',
      DATABASE_URL: 'mysql://x',
      TOKEN_SIGNING_ALG: 'HS256',
      LOG_LEVEL: 'loud',
      SMTP_URL: 'http://x',
      TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
    });
    expect(problems).toHaveLength(6);
    for (const name of ['PORT', 'DATABASE_URL', 'SMTP_URL', 'TWILIO_ACCOUNT_SID', 'TOKEN_SIGNING_ALG', 'LOG_LEVEL']) {
      expect(
        problems.filter((problem) => problem.includes(name)),
        name,
      ).toHaveLength(1);
    }
    const error = (() => {
      try {
        loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud' });
      } catch (caught) {
        return caught as Error;
      }
      return null;
    })();
    // The message lists them too, one per line (main.ts prints one line per problem).
    expect(error?.message.split('\n')).toHaveLength(2);
  });

  it('reports the offending value, not just the name', () => {
    const problems = problemsOf({ PORT: 'abc', TOKEN_SIGNING_ALG: 'HS256', LOG_LEVEL: 'loud' });
    expect(problems.join('\n')).toContain('abc');
    expect(problems.join('\n')).toContain('HS256');
    expect(problems.join('\n')).toContain('loud');
  });

  it('refuses other out-of-range values', () => {
    expect(problemsOf({ PORT: '70000' })[0]).toContain('PORT');
    expect(problemsOf({ PORT: '-1' })[0]).toContain('PORT');
    expect(problemsOf({ PORT: '3000.5' })[0]).toContain('PORT');
    expect(problemsOf({ PUBLIC_URL: 'not a url' })[0]).toContain('PUBLIC_URL');
    expect(problemsOf({ PUBLIC_URL: 'ftp://auth.example.com' })[0]).toContain('PUBLIC_URL');
    expect(problemsOf({ ISSUER: 'nope' })[0]).toContain('ISSUER');
    expect(problemsOf({ SMTP_URL: 'not a url' })[0]).toContain('SMTP_URL');
    expect(problemsOf({ DATABASE_URL: './keystate.db' })[0]).toContain('DATABASE_URL');
    expect(problemsOf({ KEYSTATE_ADMIN_TOKEN: 'short' })[0]).toContain('KEYSTATE_ADMIN_TOKEN');
    expect(problemsOf({ BODY_LIMIT_BYTES: 'lots' })[0]).toContain('BODY_LIMIT_BYTES');
    expect(problemsOf({ RATE_LIMIT_CLIENT_TOKEN_MAX: '0' })[0]).toContain('RATE_LIMIT_CLIENT_TOKEN_MAX');
    expect(problemsOf({ RATE_LIMIT_ADMIN_AUTH_WINDOW_SECONDS: '0' })[0]).toContain('RATE_LIMIT_ADMIN_AUTH_WINDOW_SECONDS');
    expect(problemsOf({ TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef', TWILIO_AUTH_TOKEN: 't', TWILIO_API_BASE_URL: 'nope' })[0]).toContain('TWILIO_API_BASE_URL');
    expect(problemsOf({ TWILIO_ACCOUNT_SID: 'AC123', TWILIO_AUTH_TOKEN: 't' })[0]).toContain('TWILIO_ACCOUNT_SID');
    expect(problemsOf({ TOTP_OVERRIDE_WINDOW_SECONDS: '0' })[0]).toContain('TOTP_OVERRIDE_WINDOW_SECONDS');
    expect(loadConfig({ TOTP_OVERRIDE_WINDOW_SECONDS: '120' }).totpOverrideWindowMs).toBe(120_000);
  });
});

describe('loadConfig: modes and secrets (issue 7)', () => {
  it('an unknown NODE_ENV stops the start with one line naming it', () => {
    const problems = problemsOf({ NODE_ENV: 'prod' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('NODE_ENV');
    expect(problems[0]).toContain('"prod"');
  });

  it('development and test modes only listen on a loopback address, and say how to run in production', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST']) {
      expect(loadConfig({ HOST: host }).host, host).toBe(host);
      expect(loadConfig({ HOST: host, NODE_ENV: 'test' }).host, host).toBe(host);
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'auth.example.com', '128.0.0.1']) {
      const problems = problemsOf({ HOST: host });
      expect(problems, host).toHaveLength(1);
      expect(problems[0]).toContain('HOST');
      expect(problems[0]).toContain('NODE_ENV=production');
      expect(problemsOf({ HOST: host, NODE_ENV: 'test' })[0]).toContain('HOST');
    }
  });

  it('production refuses to start without a key-encryption key, and takes it from a variable or a file', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('KEYSTATE_MASTER_KEY');
    expect(loadConfig(PRODUCTION).masterKey).toEqual({ kind: 'env', base64: PRODUCTION.KEYSTATE_MASTER_KEY });
    expect(loadConfig({ NODE_ENV: 'production', KEYSTATE_MASTER_KEY_FILE: '/run/secrets/kek' }).masterKey).toEqual({ kind: 'file', path: '/run/secrets/kek' });
    expect(loadConfig({}).masterKey).toEqual({ kind: 'generated' });
    // URL-safe base64 is accepted and normalised.
    const urlSafe = Buffer.alloc(32, 0xfb).toString('base64url');
    expect(loadConfig({ KEYSTATE_MASTER_KEY: urlSafe }).masterKey).toEqual({ kind: 'env', base64: Buffer.alloc(32, 0xfb).toString('base64') });
  });

  it('refuses a key-encryption key that is not 32 bytes of base64, or two sources at once', () => {
    for (const value of ['short', Buffer.alloc(16).toString('base64'), Buffer.alloc(33).toString('base64'), 'not base64 at all!!']) {
      const problems = problemsOf({ KEYSTATE_MASTER_KEY: value });
      expect(problems, value).toHaveLength(1);
      expect(problems[0]).toContain('KEYSTATE_MASTER_KEY');
      expect(problems[0]).not.toContain(value);
    }
    expect(problemsOf({ KEYSTATE_MASTER_KEY: PRODUCTION.KEYSTATE_MASTER_KEY, KEYSTATE_MASTER_KEY_FILE: '/k' })[0]).toContain('KEYSTATE_MASTER_KEY_FILE');
  });

  it('reads REDIS_URL, DOCS_ENABLED, timeouts and retention, with defaults', () => {
    const defaults = loadConfig({});
    expect(defaults).toMatchObject({ redisUrl: null, docsEnabled: true, keyRefreshMs: 30_000 });
    expect(defaults.timeouts).toEqual({ requestMs: 30_000, headersMs: 10_000, keepAliveMs: 5_000 });
    expect(defaults.retention).toEqual({ purgeIntervalMs: 3_600_000, auditMs: 30 * 86_400_000, graceMs: 86_400_000 });
    const set = loadConfig({
      REDIS_URL: 'redis://127.0.0.1:6379',
      DOCS_ENABLED: 'false',
      REQUEST_TIMEOUT_MS: '2000',
      HEADERS_TIMEOUT_MS: '1000',
      AUDIT_RETENTION_DAYS: '7',
      PURGE_INTERVAL_SECONDS: '0',
    });
    expect(set).toMatchObject({ redisUrl: 'redis://127.0.0.1:6379', docsEnabled: false });
    expect(set.timeouts.requestMs).toBe(2000);
    expect(set.retention).toMatchObject({ purgeIntervalMs: 0, auditMs: 7 * 86_400_000 });
    expect(problemsOf({ REDIS_URL: 'http://x' })[0]).toContain('REDIS_URL');
    expect(problemsOf({ DOCS_ENABLED: 'maybe' })[0]).toContain('DOCS_ENABLED');
    expect(problemsOf({ REQUEST_TIMEOUT_MS: '1000', HEADERS_TIMEOUT_MS: '2000' })[0]).toContain('HEADERS_TIMEOUT_MS');
  });

  it('reads DELIVERY_FIRST_ATTEMPT_MS (issue 15): 1500 by default, 0 to 30000', () => {
    expect(loadConfig({}).deliveryFirstAttemptMs).toBe(1500);
    expect(loadConfig({ DELIVERY_FIRST_ATTEMPT_MS: '0' }).deliveryFirstAttemptMs).toBe(0);
    expect(loadConfig({ DELIVERY_FIRST_ATTEMPT_MS: '30000' }).deliveryFirstAttemptMs).toBe(30_000);
    expect(problemsOf({ DELIVERY_FIRST_ATTEMPT_MS: '30001' })[0]).toContain('DELIVERY_FIRST_ATTEMPT_MS');
    expect(problemsOf({ DELIVERY_FIRST_ATTEMPT_MS: '-1' })[0]).toContain('DELIVERY_FIRST_ATTEMPT_MS');
  });
});

describe('loadConfig: Argon2 work (issue 15)', () => {
  it('runs one Argon2 operation per core but one, leaving libuv a thread for signing; queues 128; 600 decoys per app a minute', () => {
    const defaults = loadConfig({});
    expect(defaults.passwordWork).toEqual({ concurrency: Math.max(1, Math.min(availableParallelism() - 1, 3)), queueMax: 128, decoysPerApp: { max: 600, windowMs: 60_000 } });
    // A larger thread pool lets more cores hash (on a machine that has them).
    expect(loadConfig({ UV_THREADPOOL_SIZE: '64' }).passwordWork.concurrency).toBe(Math.max(1, Math.min(availableParallelism() - 1, 63)));
    const set = loadConfig({ ARGON2_CONCURRENCY: '2', ARGON2_QUEUE_MAX: '0', ARGON2_DECOYS_PER_APP_MAX: '10', ARGON2_DECOYS_PER_APP_WINDOW_SECONDS: '1' });
    expect(set.passwordWork).toEqual({ concurrency: 2, queueMax: 0, decoysPerApp: { max: 10, windowMs: 1000 } });
  });

  it('refuses a concurrency that would take every libuv thread, and values out of range', () => {
    expect(problemsOf({ ARGON2_CONCURRENCY: '4' })).toEqual(['ARGON2_CONCURRENCY: must be below UV_THREADPOOL_SIZE (4), so token signing always finds a thread; raise UV_THREADPOOL_SIZE too']);
    expect(loadConfig({ ARGON2_CONCURRENCY: '4', UV_THREADPOOL_SIZE: '8' }).passwordWork.concurrency).toBe(4);
    expect(problemsOf({ ARGON2_CONCURRENCY: '0' })[0]).toContain('ARGON2_CONCURRENCY');
    expect(problemsOf({ ARGON2_QUEUE_MAX: '-1' })[0]).toContain('ARGON2_QUEUE_MAX');
    expect(problemsOf({ UV_THREADPOOL_SIZE: '2000' })[0]).toContain('UV_THREADPOOL_SIZE');
    expect(problemsOf({ ARGON2_DECOYS_PER_APP_MAX: '0' })[0]).toContain('ARGON2_DECOYS_PER_APP_MAX');
  });
});
