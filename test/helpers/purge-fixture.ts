import { expect } from 'vitest';
import { type PurgeCounts, type PurgeOptions, purge, type Retention } from '../../src/maintenance/purge.js';
import type { Db } from '../../src/storage/prisma.js';
import { freshDatabase, type TestDatabase } from './db.js';
import { startTestServer, type TestClient, type TestServer } from './test-server.js';

// Real data for the purge tests, made through the HTTP API of a test server (logins by direct
// passcode and magic link, refresh, logout, lockouts, dev-outbox email), and a purge run as of the
// server's injected clock.

export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;
const YEAR = 365 * DAY;
const REDIRECT = 'https://app.example/verify';

/** What a purge that deleted nothing reports. */
export const NOTHING: PurgeCounts = { challenges: 0, refreshTokens: 0, sessions: 0, flows: 0, credentials: 0, standIns: 0, lockouts: 0, deliveries: 0 };

export interface Login {
  readonly userId: string;
  readonly sessionId: string;
  readonly refreshToken: string;
}

export interface PurgeFixture {
  readonly server: TestServer;
  readonly app: TestClient;
  /** Direct database access, to look at what is left. */
  readonly db: Db;
  /** The server's retention (defaults: audit 30 days, grace 24 hours). */
  readonly retention: Retention;
  /** Jumps a year ahead and purges, so a test starts with no purgeable row; returns the new now. */
  startOver(): Promise<number>;
  /** Sets the injected clock. */
  at(ms: number): void;
  purgeNow(retention?: Retention, options?: PurgeOptions): Promise<PurgeCounts>;
  newUser(): Promise<{ id: string; email: string }>;
  /** Sends a passcode: `direct` returns it, `email` puts it in the dev outbox. */
  sendCode(email: string, channel?: 'direct' | 'email'): Promise<string>;
  authenticate(email: string, passcode: string): Promise<{ status: number; body: any }>;
  /** A new user logged in with a direct passcode. */
  login(): Promise<Login>;
  /** A new user logged in with a direct magic link. */
  magicLinkLogin(): Promise<Login>;
  refresh(refreshToken: string): Promise<{ status: number; body: any }>;
  logout(sessionId: string): Promise<void>;
  close(): Promise<void>;
}

export async function startPurgeFixture(): Promise<PurgeFixture> {
  const database: TestDatabase = await freshDatabase();
  // Clients fetch a client token per call (the clock moves by months); lift the limits that count
  // in real time, since one test makes many calls.
  const server = await startTestServer({
    databaseUrl: database.url,
    env: { RATE_LIMIT_CLIENT_TOKEN_MAX: '100000', RATE_LIMIT_SEND_MAX: '1000', RATE_LIMIT_SEND_PER_APP_MAX: '100000', RATE_LIMIT_AUTHENTICATE_MAX: '1000' },
  });
  const app = await server.createApp({ name: 'Purge', redirectUris: [REDIRECT], tokenPolicy: 'perCall' });
  const db = server.storage.db;
  let counter = 0;

  const fixture: PurgeFixture = {
    server,
    app,
    db,
    retention: server.config.retention,
    async startOver() {
      server.clock.advance(YEAR);
      await fixture.purgeNow();
      const left = await Promise.all([
        db.flow.count(),
        db.session.count(),
        db.refreshFamily.count(),
        db.refreshToken.count(),
        db.credential.count({ where: { kind: 'passcode-lock' } }),
        db.delivery.count(),
      ]);
      expect(left).toEqual([0, 0, 0, 0, 0, 0]);
      return server.clock.now();
    },
    at: (ms) => server.clock.set(ms),
    purgeNow: (retention = server.config.retention, options) => purge(server.storage, server.clock.now(), retention, options),
    async newUser() {
      const email = `purge${++counter}@example.com`;
      const created = await app.call('POST', '/cis/v1/users', { email });
      expect(created.status).toBe(201);
      return { id: created.body.result.user_id, email };
    },
    async sendCode(email, channel = 'direct') {
      const sent = await app.call('POST', '/cis/v1/auth/otp/send', { channel, identifier_type: 'email', identifier: email });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      return sent.body.code ?? '';
    },
    authenticate: (email, passcode) => app.call('POST', '/cis/v1/auth/otp/authenticate', { passcode, identifier_type: 'email', identifier: email }),
    async login() {
      const user = await fixture.newUser();
      const tokens = await fixture.authenticate(user.email, await fixture.sendCode(user.email));
      expect(tokens.status).toBe(200);
      return { userId: user.id, sessionId: tokens.body.session_id, refreshToken: tokens.body.refresh_token };
    },
    async magicLinkLogin() {
      const user = await fixture.newUser();
      const sent = await app.call('POST', '/cis/v1/auth/link/email/send', { email: user.email, redirect_uri: REDIRECT, channel: 'direct' });
      expect(sent.status).toBe(200);
      const location = (await fetch(sent.body.link, { redirect: 'manual' })).headers.get('location') ?? '';
      const code = new URL(location).searchParams.get('code');
      const tokens = await app.call('POST', '/cis/v1/auth/link/email/authenticate', { code });
      expect(tokens.status).toBe(200);
      return { userId: user.id, sessionId: tokens.body.session_id, refreshToken: tokens.body.refresh_token };
    },
    refresh: (refreshToken) => app.call('POST', '/cis/v1/auth/token/refresh', { refresh_token: refreshToken }),
    async logout(sessionId) {
      expect((await app.call('POST', '/cis/v1/auth/session/logout', { session_id: sessionId })).status).toBe(204);
    },
    async close() {
      await server.close();
      await database.drop();
    },
  };
  return fixture;
}
