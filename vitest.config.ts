import { defineConfig } from 'vitest/config';

// The whole suite runs on SQLite, and again on PostgreSQL when TEST_POSTGRES_URL names a server
// role that may CREATE DATABASE (.ci/run starts one).
const postgres = Boolean(process.env.TEST_POSTGRES_URL);

// Tests that open no database (pure charts, unit tests over stubs, templates, the architecture):
// they run once, in the SQLite project; on PostgreSQL they would only repeat themselves.
const withoutDatabase = [
  'test/architecture.test.ts',
  'test/config.test.ts',
  'test/machines/**',
  'test/apps/{app-cache,redirect-uri}.test.ts',
  'test/credentials/{argon2-gate,decoy-budget,password-hasher,refusal-floor,strategies}.test.ts',
  'test/delivery/{email-sender,kept-outcomes,magic-link-email,otp-templates,sms-sender}.test.ts',
  'test/engine/effect-check.test.ts',
  'test/flows/totp/codes.test.ts',
  'test/flows/webauthn/{ceremonies,encoded-result,soft-authenticator}.test.ts',
  'test/http/{client-gone,error-codes,readiness}.test.ts',
  'test/maintenance/periodic-job.test.ts',
  'test/repositories/json.test.ts',
  'test/secrets/**',
  'test/storage/{database-fault,database-outage,sqlite-statements}.test.ts',
  'test/visualizer/machine-graph.test.ts',
];

export default defineConfig({
  test: {
    allowOnly: !process.env.CI,
    // Guards against a hang, not bounds on speed (issue 16 §5): a hook opens a real database and
    // a test may start a process, and on a busy 2-core machine either can take many seconds.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // One module graph per worker, not per test file: each file paid ~1 s to import the app and
    // load Prisma's query compiler again (issue 16 §5). Tests share no state through modules: each
    // opens its own database and server, injects its own clock and restores what it changes.
    isolate: false,
    // Builds dist/ once when a source changed: the processes tests start run it, as `npm start` does.
    globalSetup: ['test/global-setup.ts'],
    // The machines have 2 cores, and a test spends much of its time waiting on a server process it
    // started, a socket or a database: 3 workers keep both cores busy (measured: 118 s where 2 took 135).
    maxWorkers: 3,
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
                include: ['test/**/*.test.ts'],
                exclude: withoutDatabase,
                env: { KEYSTATE_TEST_ENGINE: 'postgresql' },
              },
            },
          ]
        : []),
    ],
  },
});
