import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

// loadConfig (keystate-server.md §2): the defaults, and every invalid value reported at once,
// each problem naming its variable.

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
    });
    expect(config.rateLimits.clientToken.max).toBeGreaterThan(0);
    expect(config.rateLimits.clientToken.windowMs).toBeGreaterThan(0);
  });

  it('empty or blank values count as unset', () => {
    const config = loadConfig({ PORT: '', HOST: '  ', SMTP_URL: '', TOKEN_SIGNING_ALG: '', KEYSTATE_ADMIN_TOKEN: '' });
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', smtpUrl: null, tokenSigningAlg: 'RS256', adminToken: null });
  });

  it('PUBLIC_URL follows HOST and PORT; ISSUER follows PUBLIC_URL; each can be set', () => {
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '8080' })).toMatchObject({ publicUrl: 'http://0.0.0.0:8080', issuer: 'http://0.0.0.0:8080' });
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
    expect(loadConfig({ NODE_ENV: 'production' }).nodeEnv).toBe('production');
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
      expect(problems.filter((problem) => problem.includes(name)), name).toHaveLength(1);
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
    expect(problemsOf({ TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef', TWILIO_AUTH_TOKEN: 't', TWILIO_API_BASE_URL: 'nope' })[0]).toContain('TWILIO_API_BASE_URL');
    expect(problemsOf({ TWILIO_ACCOUNT_SID: 'AC123', TWILIO_AUTH_TOKEN: 't' })[0]).toContain('TWILIO_ACCOUNT_SID');
  });
});
