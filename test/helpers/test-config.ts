import { type Config, loadConfig } from '../../src/config.js';

/** A validated Config for tests: the same parser the server uses, with test defaults. */
export function testConfig(overrides: Record<string, string | undefined> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    KEYSTATE_ADMIN_TOKEN: 'test-admin-token-0123456789',
    LOG_LEVEL: 'silent',
    ...overrides,
  });
}
