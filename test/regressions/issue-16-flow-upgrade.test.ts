import { afterEach, describe, expect, it } from 'vitest';
import { instanceView } from '../../src/admin/instance-views.js';
import { otpDefinition } from '../../src/flows/otp/effects.js';
import { readFlow } from '../../src/repositories/flow-repository.js';
import { jsonValue, timeValue } from '../../src/repositories/sql-values.js';
import { migrate } from '../../src/storage/migrate.js';
import { openStorage } from '../../src/storage/prisma.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

// Issue 16: the passcode chart's version 5 judges the user's status and the carried attempts itself.
// A code pending at the upgrade (version 4: its input carried the count, and named no status) is
// carried over by the migration: version 5, the same state and context, and its log replays under
// the new chart. Before, it stayed version 4, and every new send for its user answered 410 (the
// send supersedes the pending code through the runner, which refuses another version).

const BEFORE = '20261207042550_shadow_credentials';
let db: TestDatabase | undefined;

afterEach(async () => {
  await db?.drop();
  db = undefined;
});

describe('issue 16: passcode flows of version 4 become version 5', () => {
  it('keep their state, context and carried attempts, and replay', async () => {
    db = await freshDatabase({ migrated: false });
    await migrate(db.url, { until: BEFORE });
    const t0 = Date.UTC(2026, 11, 7, 9, 30, 15, 123);
    const legacy = await openStorage(db.url);
    const { provider } = legacy;
    const at = (ms: number) => timeValue(provider, new Date(ms));
    // A direct code, sent at t0 with two wrong guesses carried from the code it replaced.
    const input = {
      userId: 'user-1',
      channel: 'direct',
      subject: 'email:ada@example.com',
      verifies: null,
      expiresAt: t0 + 15 * 60_000,
      codeLength: 6,
      maxFailures: 5,
      lockoutMs: 15 * 60_000,
      requestId: null,
      approvalData: null,
      requestedAt: t0,
      lockedOutUntil: null,
      carriedAttempts: 2,
      retryDelaysMs: [],
    };
    const context = { ...input, deliveredAt: null, attempts: 2, lockedUntil: null, deliveryFault: null, deliveryAttempts: 0 };
    const init = [{ seq: 1, type: 'xstate.init', at: t0, state: 'pending.awaitingCode', fields: {} }];
    await legacy.db
      .$executeRaw`INSERT INTO "flow" ("id", "tenant_id", "app_id", "user_id", "kind", "machine_version", "subject", "secret_hash", "input", "state_value", "context", "events", "version", "expires_at", "created_at", "updated_at")
      VALUES ('flow-1', 'tenant-1', 'app-1', 'user-1', 'otp', 4, 'email:ada@example.com', 'hash-1', ${jsonValue(provider, input)}, 'pending.awaitingCode', ${jsonValue(provider, context)}, ${jsonValue(provider, init)}, 1, ${at(t0 + 15 * 60_000)}, ${at(t0)}, ${at(t0)})`;
    await legacy.close();

    await migrate(db.url);
    const upgraded = await readFlow(db.storage.db, 'flow-1');
    expect(upgraded).toMatchObject({ machineVersion: otpDefinition.version, stateValue: 'pending.awaitingCode', version: 1 });
    expect(otpDefinition.version).toBe(5);
    // Its context, which lacks what version 5 hands a new flow, fits the schema every loaded flow is checked against.
    expect(otpDefinition.context.problems(upgraded?.context)).toEqual([]);
    expect(upgraded === null ? null : instanceView(otpDefinition, upgraded).replays).toBe(true);
  });
});
