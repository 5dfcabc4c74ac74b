import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { type Bootstrapped, bootstrap } from '../../src/bootstrap.js';
import type { Config } from '../../src/config.js';
import type { PasswordHasher } from '../../src/credentials/password-hasher.js';
import { createOutbox } from '../../src/delivery/outbox.js';
import { createSenders } from '../../src/delivery/senders.js';
import { openRateLimiter } from '../../src/limits/open-limiter.js';
import type { RateLimiter } from '../../src/limits/rate-limiter.js';
import { routeFetchToInject } from './inject-fetch.js';
import { assertEveryInstanceReplays } from './replay-check.js';
import type { StatementObserver } from '../../src/storage/observed-adapter.js';
import { openStorage, type Storage } from '../../src/storage/prisma.js';
import { type ManualClock, manualClock } from './clock.js';
import { testConfig } from './test-config.js';

// A real Keystate server for HTTP tests: real database (SQLite file or PostgreSQL, see db.ts),
// real SMTP when a catcher is given, with a clock the test moves. Two tiers (issue 16 §5): by
// default it does not listen, and `fetch` to its `url` (so `client.call`, `probe` and the tests'
// own fetches) goes through Fastify's `inject()` (inject-fetch.ts); with `listen: true` it listens
// on 127.0.0.1, for the tests about the wire (raw HTTP, timeouts, disconnects, a browser) and the
// end-to-end flows of test/e2e.

export interface TestServer {
  /** Its origin; on the wire only when started with `listen: true`. */
  readonly url: string;
  /** Whether it listens on `url` (otherwise `fetch` reaches it through `inject()`). */
  readonly listening: boolean;
  readonly app: FastifyInstance;
  readonly config: Config;
  readonly clock: ManualClock;
  readonly storage: Storage;
  readonly boot: Bootstrapped;
  /** Its rate-limit counters (memory, or Redis with REDIS_URL). */
  readonly limiter: RateLimiter;
  /** Creates an app through the admin API and returns its credentials. */
  createApp(options?: {
    name?: string;
    redirectUris?: string[];
    resources?: string[];
    tenantId?: string;
    loginPreferences?: object;
    /** The app's WebAuthn relying party, as the admin API takes it ({ rp_id, origins, user_verification? }). */
    webauthn?: object;
    tokenPolicy?: 'cached' | 'perCall';
  }): Promise<TestClient>;
  createTenant(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface TestClient {
  readonly appId: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** A fresh client access token from /oidc/token. */
  token(): Promise<string>;
  /** fetch against the server with the client token and JSON body. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }>;
}

/** The key-encryption key a test config names (tests always set KEYSTATE_MASTER_KEY). */
export function masterKeyOf(config: Config): Buffer {
  if (config.masterKey.kind !== 'env') throw new Error('test servers take KEYSTATE_MASTER_KEY from their config');
  return Buffer.from(config.masterKey.base64, 'base64');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startTestServer(options: {
  databaseUrl: string;
  /** Listen on 127.0.0.1 (transport and end-to-end tests); unset, requests go through inject(). */
  listen?: boolean;
  smtpUrl?: string | null;
  /** A Twilio-compatible endpoint (test/helpers/twilio-stub.ts): SMS goes through the real twilio client. */
  twilio?: { url: string; accountSid: string; authToken: string; from: string } | null;
  clock?: ManualClock;
  env?: Record<string, string>;
  /** Sees every SQL statement the server runs, and where it runs (statements per request). */
  observe?: StatementObserver;
  /** Argon2id as the server uses it, e.g. wrapped to count its work (the config's when unset). */
  passwordHasher?: PasswordHasher;
  /** Capture the server log (at LOG_LEVEL, with the production redaction) instead of silencing it. */
  logStream?: { write(line: string): void };
}): Promise<TestServer> {
  const clock = options.clock ?? manualClock();
  const start = async (port: number) => {
    const twilio = options.twilio
      ? { TWILIO_ACCOUNT_SID: options.twilio.accountSid, TWILIO_AUTH_TOKEN: options.twilio.authToken, TWILIO_FROM: options.twilio.from, TWILIO_API_BASE_URL: options.twilio.url }
      : {};
    // A send waits for its first attempt (longer than the senders' 3 s timeouts allow it to
    // last), so tests read its outcome right after the send on a loaded machine too; tests of the
    // wait itself set DELIVERY_FIRST_ATTEMPT_MS.
    const config = testConfig({
      PORT: String(port),
      DATABASE_URL: options.databaseUrl,
      DELIVERY_RETRY_DELAYS_MS: '0,0',
      DELIVERY_FIRST_ATTEMPT_MS: '30000',
      ...(options.smtpUrl ? { SMTP_URL: options.smtpUrl } : {}),
      ...twilio,
      ...options.env,
    });
    const storage = await openStorage(config.databaseUrl, options.observe === undefined ? {} : { observe: options.observe });
    const boot = await bootstrap(storage, config, clock, masterKeyOf(config));
    const senders = await createSenders(config, createOutbox({ db: storage.db, clock, sealer: boot.sealer }), { timeoutMs: 3000 });
    const limiter = await openRateLimiter(config, clock);
    const app = await buildApp({
      config,
      storage,
      clock,
      boot,
      senders,
      limiter,
      ...(options.passwordHasher ? { passwordHasher: options.passwordHasher } : {}),
      ...(options.logStream ? { logStream: options.logStream } : { logger: false }),
    });
    const release = async () => {
      await app.close();
      // Every instance this server's tests created must replay from its log (issue 8).
      await assertEveryInstanceReplays(storage.db);
      await senders.close();
      await limiter.close();
      await storage.close();
    };
    try {
      if (options.listen === true) await app.listen({ host: '127.0.0.1', port });
      else await app.ready();
    } catch (error) {
      await release();
      throw error;
    }
    return { port, config, storage, boot, release, app, limiter };
  };
  // The port is known before listening (PUBLIC_URL needs it), so another process can take it in
  // between (test/e2e/process.test.ts restarts a server on a fixed port): then try another one.
  let started: Awaited<ReturnType<typeof start>> | undefined;
  for (let attempt = 1; started === undefined; attempt++) {
    try {
      started = await start(await freePort());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 5) throw error;
    }
  }
  const { port, config, storage, boot, release: releaseStarted, app, limiter } = started;
  const url = `http://127.0.0.1:${port}`;
  // Not listening: the port only names the origin (PUBLIC_URL, links, issuer); fetch to it is injected.
  const unroute = options.listen === true ? () => {} : routeFetchToInject(url, app);
  const release = async () => {
    unroute();
    await releaseStarted();
  };
  const admin = { authorization: `Bearer ${config.adminToken}`, 'content-type': 'application/json' };

  const server: TestServer = {
    url,
    listening: options.listen === true,
    app,
    config,
    clock,
    storage,
    boot,
    limiter,
    async createTenant(name) {
      const response = await fetch(`${url}/admin/v1/tenants`, { method: 'POST', headers: admin, body: JSON.stringify({ name }) });
      if (response.status !== 201) throw new Error(`createTenant: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { tenant_id: string }).tenant_id;
    },
    async createApp(appOptions = {}) {
      const response = await fetch(`${url}/admin/v1/applications`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({
          name: appOptions.name ?? 'Test App',
          redirect_uris: appOptions.redirectUris ?? ['https://app.example/verify'],
          ...(appOptions.resources ? { resources: appOptions.resources } : {}),
          ...(appOptions.tenantId ? { tenant_id: appOptions.tenantId } : {}),
          ...(appOptions.loginPreferences ? { login_preferences: appOptions.loginPreferences } : {}),
          ...(appOptions.webauthn ? { webauthn: appOptions.webauthn } : {}),
        }),
      });
      if (response.status !== 201) throw new Error(`createApp: ${response.status} ${await response.text()}`);
      const created = (await response.json()) as { app_id: string; tenant_id: string; client_id: string; client_secret: string };
      return clientFor(url, created, appOptions.tokenPolicy);
    },
    async close() {
      await release();
    },
  };
  return server;
}

/** `perCall` fetches a fresh client token for every call: for tests that move the clock by days. */
export function clientFor(url: string, created: { app_id: string; tenant_id: string; client_id: string; client_secret: string }, tokenPolicy: 'cached' | 'perCall' = 'cached'): TestClient {
  let cached: string | null = null;
  const client: TestClient = {
    appId: created.app_id,
    tenantId: created.tenant_id,
    clientId: created.client_id,
    clientSecret: created.client_secret,
    async token() {
      const response = await fetch(`${url}/oidc/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: created.client_id, client_secret: created.client_secret }),
      });
      if (response.status !== 200) throw new Error(`token: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { access_token: string }).access_token;
    },
    async call(method, path, body) {
      if (tokenPolicy === 'perCall') cached = null;
      cached ??= await client.token();
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${cached}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        redirect: 'manual',
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? null : JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
  };
  return client;
}

/** A GET as a load balancer or an operator makes it: status, JSON body and Retry-After. */
export async function probe(server: Pick<TestServer, 'url'>, path: string): Promise<{ status: number; body: unknown; retryAfter: string | null }> {
  const response = await fetch(`${server.url}${path}`);
  return { status: response.status, body: (await response.json()) as unknown, retryAfter: response.headers.get('retry-after') };
}

/** The body of 503 DATABASE_UNAVAILABLE (issue 15): the database could not answer. */
export const DATABASE_UNAVAILABLE_BODY = { message: 'The database is unavailable; retry shortly', error_code: 503 };
