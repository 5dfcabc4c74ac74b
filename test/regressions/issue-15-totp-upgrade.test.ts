import { afterEach, describe, expect, it } from 'vitest';
import { instanceView } from '../../src/admin/instance-views.js';
import { totpDefinition } from '../../src/flows/totp/definition.js';
import { readCredential } from '../../src/repositories/credential-repository.js';
import { fromJson } from '../helpers/stored-json.js';
import { jsonValue, timeValue } from '../../src/repositories/sql-values.js';
import { migrate } from '../../src/storage/migrate.js';
import { openStorage } from '../../src/storage/prisma.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

// Issue 15: the authenticator machine's version 2 keeps when its latest failure was counted
// (failures lapse lockoutMs after it). Authenticators registered under version 1 are carried over
// by the migration: version 2, `lastFailureAt` the time of the latest wrong code in their log, so
// their log replays to their stored state under the new machine and their count goes on.

const BEFORE = '20261201140020_credentials';
const POLICY = { maxFailures: 5, lockoutMs: 15 * 60_000, window: 1 };
let db: TestDatabase | undefined;

afterEach(async () => {
  await db?.drop();
  db = undefined;
});

describe('issue 15: authenticators of version 1 become version 2', () => {
  it('keeps their count, learns the time of their latest failure from the log, and replays', async () => {
    db = await freshDatabase({ migrated: false });
    await migrate(db.url, { until: BEFORE });
    const t0 = Date.UTC(2026, 11, 1, 9, 30, 15, 123);
    const [t1, t2] = [t0 + 60_000 + 456, t0 + 120_000 + 789];
    const legacy = await openStorage(db.url);
    const { provider } = legacy;
    const at = (ms: number) => timeValue(provider, new Date(ms));
    await legacy.db.$executeRaw`INSERT INTO "tenant" ("id", "name", "created_at") VALUES ('tenant-1', 'default', ${at(t0)})`;
    await legacy.db
      .$executeRaw`INSERT INTO "user" ("id", "tenant_id", "email", "status", "profile", "created_at", "updated_at") VALUES ('user-1', 'tenant-1', 'ada@example.com', 'Active', ${jsonValue(provider, {})}, ${at(t0)}, ${at(t0)})`;
    // Registered at t0, two wrong codes at t1 and t2 (each: the submit, then the verdict).
    const context = { userId: 'user-1', registeredAt: t0, attempts: 2, lockedUntil: null, lastUsedStep: null, policy: POLICY };
    const init = [{ seq: 1, type: 'xstate.init', at: t0, state: 'active.ready', fields: {} }];
    await legacy.db
      .$executeRaw`INSERT INTO "credential" ("id", "tenant_id", "app_id", "user_id", "kind", "live_key", "secret", "params", "label", "machine_version", "input", "state_value", "context", "events", "version", "created_at", "updated_at")
      VALUES ('totp-1', 'tenant-1', 'app-1', 'user-1', 'totp', 'app-1:user-1:totp', 'sealed', ${jsonValue(provider, { algorithm: 'sha1', digits: 6, period: 30 })}, NULL, 1,
        ${jsonValue(provider, { userId: 'user-1', registeredAt: t0 })}, 'active.wrongCode', ${jsonValue(provider, context)}, ${jsonValue(provider, init)}, 5, ${at(t0)}, ${at(t2)})`;
    const log: [number, string, number, string, object][] = [
      [2, 'totp.submit', t1, 'active.verifying', { session: null, policy: POLICY }],
      [3, 'totp.mismatched', t1, 'active.wrongCode', {}],
      [4, 'totp.submit', t2, 'active.verifying', { session: null, policy: POLICY }],
      [5, 'totp.mismatched', t2, 'active.wrongCode', {}],
    ];
    for (const [seq, type, when, state, fields] of log) {
      await legacy.db
        .$executeRaw`INSERT INTO "credential_event" ("credential_id", "seq", "type", "at", "state", "app_id", "fields") VALUES ('totp-1', ${seq}, ${type}, ${at(when)}, ${state}, 'app-1', ${jsonValue(provider, fields)})`;
    }
    await legacy.close();

    await migrate(db.url);
    const upgraded = await readCredential(db.storage.db, 'totp-1');
    // Version 4 since issue 16 (the resource, then the status at registration, judged by the machine: states only added): its log,
    // whose submissions name no resource, replays under it all the same.
    expect(upgraded).toMatchObject({ machineVersion: 4, stateValue: 'active.wrongCode', version: 5 });
    expect(fromJson<object>(upgraded?.context)).toEqual({ ...context, lastFailureAt: t2 });
    // Registered before version 4, it has no user status: it fits the schema every loaded authenticator is checked against.
    expect(totpDefinition.context.problems(upgraded?.context)).toEqual([]);
    expect(upgraded === null ? null : instanceView(totpDefinition, upgraded).replays).toBe(true);
  });
});
