import { type Config, loadConfig } from '../../src/config.js';

/** 32 bytes, base64: the key-encryption key every test server uses. */
export const TEST_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

/** A validated Config for tests: the same parser the server uses, with test defaults. */
export function testConfig(overrides: Record<string, string | undefined> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    KEYSTATE_ADMIN_TOKEN: 'test-admin-token-0123456789',
    LOG_LEVEL: 'silent',
    // A fixed key-encryption key: tests never write a key file.
    KEYSTATE_MASTER_KEY: TEST_MASTER_KEY,
    // Not derived from this machine's cores: tests that hold comparisons at a gate need several at once.
    ARGON2_CONCURRENCY: '3',
    ...overrides,
  });
}
