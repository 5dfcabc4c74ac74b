import { createHmac } from 'node:crypto';
import { sessionDefinition } from '../../src/flows/session/effects.js';
import { afterEach, describe, expect, it } from 'vitest';
import { readSession } from '../../src/repositories/session-repository.js';
import { fromJson } from '../helpers/stored-json.js';
import { newSecret } from '../../src/secrets/random.js';
import { migrate } from '../../src/storage/migrate.js';
import { openStorage } from '../../src/storage/prisma.js';
import { manualClock } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase, testEngine } from '../helpers/db.js';
import { clientFor, startTestServer, type TestServer } from '../helpers/test-server.js';

// Issue 8: sessions written by the previous release survive the engine's two migrations. Rows of
// the old session table (state, methods, auth_time, expires_at, end_reason) and their
// session_event log become session statechart instances (state_value, input, context, events) that
// replay from their log; the old public session_id still signs in silently and logs out, the log
// continuing the old numbering; an ended or expired old session stays so.

const BEFORE_ENGINE = '20261201091403_purge_indexes';
const TTL = 14 * 24 * 60 * 60 * 1000;
let db: TestDatabase | undefined;
let server: TestServer | undefined;

afterEach(async () => {
  try {
    await server?.close(); // replays every instance (test/helpers/replay-check.ts)
  } finally {
    await db?.drop();
    server = undefined;
    db = undefined;
  }
});

const hmac = (key: string, secret: string) => createHmac('sha256', Buffer.from(key, 'base64url')).update(secret, 'utf8').digest('base64url');

interface OldEvent {
  readonly type: string;
  readonly at: number;
  readonly state: string;
  readonly appId: string;
  readonly details: object | null;
}

describe('issue 8: sessions of the previous release become statechart instances', () => {
  it('migrates live, logged-out, revoked and expired sessions with their logs; the old session_id keeps working', async () => {
    db = await freshDatabase({ migrated: false });
    await migrate(db.url, { until: BEFORE_ENGINE });
    const legacy = await openStorage(db.url);
    const sql = legacy.db;
    const postgres = testEngine() === 'postgresql';
    // Placeholders: `?` (and `?j` for a JSON value) become `$n` (`$n::jsonb`) on PostgreSQL.
    const run = (text: string, ...values: unknown[]) => {
      let n = 0;
      return sql.$executeRawUnsafe(
        text.replace(/\?(j?)/g, (_, j: string) => (postgres ? `$${++n}${j ? '::jsonb' : ''}` : '?')),
        ...values,
      );
    };
    const json = (value: unknown) => JSON.stringify(value);
    // Times with milliseconds, so the conversion to epoch milliseconds is checked to the unit.
    const t0 = Date.UTC(2026, 10, 20, 9, 30, 15, 123);
    const t1 = t0 + 3_600_000 + 456;
    const hmacKey = newSecret();
    const secrets = { shop: newSecret(), blog: newSecret() };
    const publicIds = { live: newSecret(), out: newSecret(), revoked: newSecret(), expired: newSecret() };

    const before = new Date(t0 - 86_400_000);
    await run(`INSERT INTO "tenant" ("id", "name", "created_at") VALUES ('old-tenant', 'default', ?)`, before);
    await run(`INSERT INTO "server_secret" ("id", "purpose", "value", "created_at", "activates_at") VALUES ('old-hmac', 'secret-hmac', ?, ?, ?)`, hmacKey, before, before);
    for (const [id, secret] of [
      ['old-shop', secrets.shop],
      ['old-blog', secrets.blog],
    ] as const) {
      await run(
        `INSERT INTO "app" ("id", "tenant_id", "name", "client_id", "client_secret_hash", "client_secret_key_id", "redirect_uris", "resources", "login_preferences", "created_at", "updated_at")
         VALUES (?, 'old-tenant', ?, ?, ?, 'old-hmac', ?j, ?j, ?j, ?, ?)`,
        id,
        id,
        `${id}-client`,
        hmac(hmacKey, secret),
        json(['https://app.example/verify']),
        json([]),
        json({}),
        before,
        before,
      );
    }
    await run(
      `INSERT INTO "user" ("id", "tenant_id", "email", "email_verified_at", "status", "profile", "last_auth_at", "created_at", "updated_at")
       VALUES ('old-user', 'old-tenant', 'old@example.com', ?, 'Active', ?j, ?, ?, ?)`,
      new Date(t0),
      json({}),
      new Date(t0),
      new Date(t0),
      new Date(t0),
    );
    await run(`INSERT INTO "user_app" ("user_id", "app_id", "created_at") VALUES ('old-user', 'old-shop', ?)`, new Date(t0));

    // A session as the old session store wrote it: its row, then one session_event per version.
    type OldRow = { state: string; methods: string[]; authTime: number; expiresAt: number; endedAt: number | null; endReason: string | null };
    const oldSession = async (id: string, publicId: string, row: OldRow, events: OldEvent[]) => {
      await run(
        `INSERT INTO "session" ("id", "id_hash", "tenant_id", "user_id", "created_by_app_id", "state", "methods", "auth_time", "expires_at", "ended_at", "end_reason", "version", "created_at", "updated_at")
         VALUES (?, ?, 'old-tenant', 'old-user', 'old-shop', ?, ?j, ?, ?, ?, ?, ?, ?, ?)`,
        id,
        hmac(hmacKey, publicId),
        row.state,
        json(row.methods),
        new Date(row.authTime),
        new Date(row.expiresAt),
        row.endedAt === null ? null : new Date(row.endedAt),
        row.endReason,
        events.length,
        new Date(events[0]?.at ?? t0),
        new Date(events.at(-1)?.at ?? t0),
      );
      for (const [index, event] of events.entries()) {
        await run(
          `INSERT INTO "session_event" ("session_id", "seq", "type", "at", "state", "app_id", "details") VALUES (?, ?, ?, ?, ?, ?, ?j)`,
          id,
          index + 1,
          event.type,
          new Date(event.at),
          event.state,
          event.appId,
          event.details === null ? null : json(event.details),
        );
      }
    };
    const init = { type: 'xstate.init', at: t0, state: 'active', appId: 'old-shop', details: { method: 'email_otp' } };
    // Live: opened by the shop, then signed in silently by the blog (old silent authentication).
    await oldSession('old-live', publicIds.live, { state: 'active', methods: ['email_otp'], authTime: t0, expiresAt: t1 + TTL, endedAt: null, endReason: null }, [
      init,
      { type: 'session.silentAuthenticate', at: t1, state: 'active', appId: 'old-blog', details: null },
    ]);
    await oldSession('old-out', publicIds.out, { state: 'terminated', methods: ['email_otp'], authTime: t0, expiresAt: t0 + TTL, endedAt: t1, endReason: 'logout' }, [
      init,
      { type: 'session.logout', at: t1, state: 'terminated', appId: 'old-shop', details: null },
    ]);
    // Revoked after a step-up by SMS (the migration names the user in logged authentications).
    await oldSession('old-revoked', publicIds.revoked, { state: 'terminated', methods: ['email_otp', 'sms_otp'], authTime: t1, expiresAt: t1 + TTL, endedAt: t1 + 1000, endReason: 'revoked' }, [
      init,
      { type: 'session.authenticate', at: t1, state: 'active', appId: 'old-shop', details: { method: 'sms_otp' } },
      { type: 'session.revoke', at: t1 + 1000, state: 'terminated', appId: 'old-blog', details: null },
    ]);
    // Expired: the old silent authentication moved a session past its expiry to `expired`.
    const e0 = t0 - 20 * 86_400_000;
    await oldSession('old-expired', publicIds.expired, { state: 'expired', methods: ['email_otp'], authTime: e0, expiresAt: e0 + TTL, endedAt: null, endReason: null }, [
      { ...init, at: e0 },
      { type: 'session.silentAuthenticate', at: e0 + TTL + 5, state: 'expired', appId: 'old-blog', details: null },
    ]);
    // In flight in the old engine: dropped by the migration (documented).
    await run(
      `INSERT INTO "refresh_token" ("id", "token_hash", "family_id", "session_id", "tenant_id", "app_id", "user_id", "grant", "expires_at", "created_at")
       VALUES ('old-rt', 'old-rt-hash', 'old-family', 'old-live', 'old-tenant', 'old-blog', 'old-user', ?j, ?, ?)`,
      json({ methods: ['email_otp'], authTime: t0 }),
      new Date(t1 + TTL),
      new Date(t1),
    );
    await legacy.close();

    await migrate(db.url);
    const clock = manualClock(t1 + 86_400_000);
    server = await startTestServer({ databaseUrl: db.url, clock });
    const rows = server.storage.db;
    const session = async (id: string) => {
      const row = await rows.session.findUniqueOrThrow({ where: { id } });
      return { ...row, context: fromJson<Record<string, unknown>>(row.context), events: (await readSession(rows, id))?.events ?? [] };
    };

    // 1. The live session: a live instance whose context carries its old columns, its log in order.
    const live = await session('old-live');
    expect(live).toMatchObject({ state: 'active', stateValue: 'active.live', machineVersion: 3, version: 2 });
    expect(live.context).toEqual({ tenantId: 'old-tenant', userId: 'old-user', methods: ['email_otp'], authTime: t0, expiresAt: t1 + TTL, ttlMs: TTL, stepUpRequired: false });
    expect(sessionDefinition.context.problems(live.context)).toEqual([]);
    expect(fromJson(live.input)).toEqual({ tenantId: 'old-tenant', userId: 'old-user', method: 'email_otp', at: t0, ttlMs: TTL });
    // The old top-level states become the machine's; an old silent authentication carried no MFA policy.
    expect(live.events).toEqual([
      { seq: 1, type: 'xstate.init', at: t0, state: 'active.live', appId: 'old-shop', fields: { method: 'email_otp' } },
      { seq: 2, type: 'session.silentAuthenticate', at: t1, state: 'active.live', appId: 'old-blog', fields: { mfa: null } },
    ]);
    // 2. Ended sessions stay ended, each in the state its end reason names.
    expect(await session('old-out')).toMatchObject({ state: 'terminated', stateValue: 'terminated.loggedOut', endedAt: new Date(t1) });
    const revoked = await session('old-revoked');
    expect(revoked).toMatchObject({ stateValue: 'terminated.revoked', endedAt: new Date(t1 + 1000) });
    expect(revoked.context).toMatchObject({ methods: ['email_otp', 'sms_otp'], authTime: t1 });
    expect(revoked.events.map((event) => [event.seq, event.type, event.state, event.fields])).toEqual([
      [1, 'xstate.init', 'active.live', { method: 'email_otp' }],
      [2, 'session.authenticate', 'active.live', { method: 'sms_otp', userId: 'old-user' }],
      [3, 'session.revoke', 'terminated.revoked', {}],
    ]);
    expect(await session('old-expired')).toMatchObject({ state: 'expired', stateValue: 'expired.lapsed', context: { authTime: e0, expiresAt: e0 + TTL } });
    expect(await rows.refreshFamily.count()).toBe(0);
    expect(await rows.refreshToken.count()).toBe(0);
    // Each replays from its input and log, as the operator's view reports it.
    const replays = async (id: string) => {
      const response = await fetch(`${server?.url}/admin/v1/sessions/${id}`, { headers: { authorization: `Bearer ${server?.config.adminToken}` } });
      return response.status === 200 ? ((await response.json()) as { replays: boolean }).replays : `HTTP ${response.status}`;
    };
    const ids = ['old-live', 'old-out', 'old-revoked', 'old-expired'];
    expect(await Promise.all(ids.map(replays)), 'migrated sessions replay').toEqual([true, true, true, true]);

    // 3. End to end, found by the HMAC of its public id under the old (now sealed) key.
    const blog = clientFor(server.url, { app_id: 'old-blog', tenant_id: 'old-tenant', client_id: 'old-blog-client', client_secret: secrets.blog });
    const silentAt = clock.now();
    const silent = await blog.call('POST', '/cis/v1/auth/session/authenticate', { session_id: publicIds.live });
    expect(silent.status).toBe(200);
    expect(silent.body).toMatchObject({ session_id: publicIds.live, token_type: 'Bearer', step_up_required: false });
    expect(silent.body).toHaveProperty('access_token');
    expect(silent.body).toHaveProperty('refresh_token');
    clock.advance(60_000);
    expect((await blog.call('POST', '/cis/v1/auth/session/logout', { session_id: publicIds.live })).status).toBe(204);
    const ended = await session('old-live');
    expect(ended).toMatchObject({ stateValue: 'terminated.loggedOut', version: 4, endedAt: new Date(silentAt + 60_000) });
    expect(ended.events.map((event) => [event.seq, event.type, event.at, event.appId])).toEqual([
      [1, 'xstate.init', t0, 'old-shop'],
      [2, 'session.silentAuthenticate', t1, 'old-blog'],
      [3, 'session.silentAuthenticate', silentAt, 'old-blog'],
      [4, 'session.logout', silentAt + 60_000, 'old-blog'],
    ]);
    // Ended or expired before the upgrade, ended after it.
    for (const publicId of [publicIds.out, publicIds.revoked, publicIds.expired, publicIds.live]) {
      expect((await blog.call('POST', '/cis/v1/auth/session/authenticate', { session_id: publicId })).status).toBe(400);
    }
    expect(await Promise.all(ids.map(replays)), 'sessions replay after the upgrade').toEqual([true, true, true, true]);
  });
});
