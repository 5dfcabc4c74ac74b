import { defineConfig } from 'vitest/config';

// Every test runs on SQLite; the storage, HTTP and end-to-end tests run on PostgreSQL too when
// TEST_POSTGRES_URL names a server role that may CREATE DATABASE (.ci/run starts one).
const postgres = Boolean(process.env.TEST_POSTGRES_URL);

export default defineConfig({
  test: {
    allowOnly: !process.env.CI,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The machines have 2 cores: 2 test processes keep both busy without oversubscribing them.
    maxWorkers: 2,
    projects: [
      {
        extends: true as const,
        test: { name: 'sqlite', include: ['test/**/*.test.ts'], env: { KEYSTATE_TEST_ENGINE: 'sqlite' } },
      },
      ...(postgres
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgresql',
                include: ['test/storage/**/*.test.ts', 'test/flows/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/http/**/*.test.ts'],
                env: { KEYSTATE_TEST_ENGINE: 'postgresql' },
              },
            },
          ]
        : []),
    ],
  },
});
