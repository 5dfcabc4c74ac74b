import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TotpTypes, totpDefinition } from '../../../src/flows/totp/definition.js';
import { createTotpCredentials, totpSeedAad } from '../../../src/flows/totp/effects.js';
import { newTotpSeed, totpCode, type TotpParams, totpStep } from '../../../src/flows/totp/codes.js';
import type { RegisteredMachine } from '../../../src/engine/definition.js';
import { createRunner } from '../../../src/engine/runner.js';
import { findLiveCredential } from '../../../src/repositories/credential-repository.js';
import { createSealer } from '../../../src/secrets/sealer.js';
import { createSecretHasher } from '../../../src/secrets/secret-hasher.js';
import { manualClock } from '../../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../../helpers/db.js';

// The TOTP comparison as the runner performs it (issue 11): the seed opened from its seal, the
// submitted code matched against the window at the event's time, the time step handed to the
// machine, which refuses a code presented again within its window; a wrong code judged against the
// latest one (issue 15: the same wrong code again in its time step is no new guess), by a keyed
// HMAC kept in the row and never in the log.

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const PARAMS: TotpParams = { algorithm: 'sha1', digits: 6, period: 30 };
const POLICY = { maxFailures: 3, lockoutMs: 15 * 60_000, window: 1 };
const app = { id: 'app-1' } as never;
let db: TestDatabase;

beforeAll(async () => {
  db = await freshDatabase();
  await db.storage.db.tenant.create({ data: { id: 'tenant-1', name: 'Tenant' } });
  await db.storage.db.user.create({ data: { id: 'user-1', tenantId: 'tenant-1', email: 'ada@example.com', profile: {}, createdAt: new Date(T0), updatedAt: new Date(T0) } });
});

afterAll(async () => {
  await db?.drop();
});

describe('TOTP credentials', () => {
  it('opens the sealed seed, matches the code of the window, refuses it presented again, refuses a wrong one', async () => {
    const sealer = createSealer(randomBytes(32));
    const clock = manualClock(T0);
    const ring = [{ id: 'k1', key: randomBytes(32), activatesAt: 0 }];
    const hasher = createSecretHasher(() => ring, clock);
    const real = createTotpCredentials({ sealer, hasher, provider: db.storage.provider });
    const machine: RegisteredMachine<TotpTypes> = {
      ...real,
      handlers: { ...real.handlers, recordAuthentication: { phase: 'inline', run: () => {} } },
    };
    const runner = createRunner({ storage: db.storage, clock });
    const seed = newTotpSeed('sha1');
    const create = { tenantId: 'tenant-1', userId: 'user-1', secret: sealer.seal(seed, totpSeedAad('totp-1')), params: { ...PARAMS }, label: null };
    await runner.transaction((steps) => steps.start(machine, { id: 'totp-1', appId: 'app-1', input: { userId: 'user-1', registeredAt: T0, userStatus: 'Active' }, create, request: { app } }));
    const submit = (proof: string) =>
      runner.transaction(async (steps) => {
        const live = await findLiveCredential(steps, totpDefinition, { appId: 'app-1', userId: 'user-1', kind: 'totp' });
        if (live === null) throw new Error('no live credential');
        return steps.send(machine, live, { type: 'totp.submit', session: null, policy: POLICY, resource: null, allowedResources: [], userStatus: 'Active' }, { app, proof });
      });
    // The code of the previous step is still in the window.
    clock.advance(45_000);
    const previous = totpCode(seed, PARAMS, totpStep(PARAMS, clock.now()) - 1);
    const accepted = await submit(previous);
    expect(accepted.state).toBe('active.authenticated');
    expect(accepted.context.lastUsedStep).toBe(totpStep(PARAMS, clock.now()) - 1);
    expect((await submit(previous)).state).toBe('active.replayed');
    const wrong = previous === '000000' ? '111111' : '000000';
    expect((await submit(wrong)).state).toBe('active.wrongCode');
    // The same wrong code again in the same time step is no new guess; in the next step it is one.
    const again = await submit(wrong);
    expect(again.state).toBe('active.sameWrongCode');
    expect(again.context.attempts).toBe(1);
    clock.advance(30_000);
    expect((await submit(wrong)).context.attempts).toBe(2);
    // The stored secret is the seal, never the seed; the wrong code is kept only as a keyed HMAC.
    const row = await db.storage.db.credential.findUniqueOrThrow({ where: { id: 'totp-1' } });
    expect(row.secret).not.toContain(seed);
    expect(row.miss).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const log = JSON.stringify(await db.storage.db.credentialEvent.findMany());
    expect(log).not.toContain(previous);
    expect(log).not.toContain(wrong);
    expect(log).not.toContain(row.miss ?? 'no miss');
  });
});
