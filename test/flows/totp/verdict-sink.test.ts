import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TxSteps } from '../../../src/engine/definition.js';
import { createRunner } from '../../../src/engine/runner.js';
import type { VerdictSink } from '../../../src/flows/session/post-login.js';
import { newTotpSeed, totpCode, type TotpParams, totpStep } from '../../../src/flows/totp/codes.js';
import { createTotpCredentials, totpSeedAad } from '../../../src/flows/totp/effects.js';
import { createTotpStandIn } from '../../../src/flows/totp/stand-in.js';
import { createTotpLogin } from '../../../src/flows/totp/use-case.js';
import { findLiveCredential } from '../../../src/repositories/credential-repository.js';
import { createSealer } from '../../../src/secrets/sealer.js';
import { createSecretHasher } from '../../../src/secrets/secret-hasher.js';
import { totpDefinition } from '../../../src/flows/totp/definition.js';
import { manualClock } from '../../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../../helpers/db.js';

// Issue 19 §3.1: a factor's step hands its outcome to the sink its caller gives, in the factor's
// own transaction. Shown on the TOTP factor (its step runs in the caller's transaction): a verdict
// reaches the sink and nothing else (no session opened: that is the Mosaic sink's work), a refusal
// reaches it too, a stand-in's refusal names no user, and a sink that fails rolls the factor's step
// back with it (the code stays unspent).

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const PARAMS: TotpParams = { algorithm: 'sha1', digits: 6, period: 30 };
const app = { id: 'app-1', tenantId: 'tenant-1', name: 'App', resources: [], loginPreferences: {} } as never;
const user = { id: 'user-1', status: 'Active' } as never;
const stub = {} as never;
const clock = manualClock(T0);
const sealer = createSealer(randomBytes(32));
const seed = newTotpSeed('sha1');
let db: TestDatabase;

type Seen = Parameters<VerdictSink<unknown>>[1];

/** A sink that keeps what it is told and answers a marker (or fails, to show the rollback). */
function recordingSink(fail = false): { readonly seen: Seen[]; readonly sink: VerdictSink<string> } {
  const seen: Seen[] = [];
  return {
    seen,
    sink: async (_steps: TxSteps, outcome) => {
      seen.push(outcome);
      if (fail) throw new Error('the caller refused the verdict');
      return 'sunk';
    },
  };
}

function totpLogin() {
  const ring = [{ id: 'k1', key: randomBytes(32), activatesAt: 0 }];
  const hasher = createSecretHasher(() => ring, clock);
  const runner = createRunner({ storage: db.storage, clock });
  const totp = createTotpCredentials({ sealer, hasher, provider: db.storage.provider });
  const standIns = createTotpStandIn({ hasher, sealer, provider: db.storage.provider });
  const login = createTotpLogin({ hasher, tokens: stub, sessions: stub, families: stub, storage: db.storage, runner, totp, standIns, clock, limiter: stub, limits: stub, floor: stub });
  return { runner, totp, login };
}

const request = (token: string) => ({ token, identifierType: 'email', identifier: 'ada@example.com', sessionId: null, resource: null, claims: null }) as const;
const currentCode = () => totpCode(seed, PARAMS, totpStep(PARAMS, clock.now()));

beforeAll(async () => {
  db = await freshDatabase();
  await db.storage.db.tenant.create({ data: { id: 'tenant-1', name: 'Tenant' } });
  await db.storage.db.user.create({ data: { id: 'user-1', tenantId: 'tenant-1', email: 'ada@example.com', profile: {}, createdAt: new Date(T0), updatedAt: new Date(T0) } });
  const { runner, totp } = totpLogin();
  const create = { tenantId: 'tenant-1', userId: 'user-1', secret: sealer.seal(seed, totpSeedAad('totp-1')), params: { ...PARAMS }, label: null };
  await runner.transaction((steps) => steps.start(totp, { id: 'totp-1', appId: 'app-1', input: { userId: 'user-1', registeredAt: T0, userStatus: 'Active' }, create, request: { app } }));
});

afterAll(async () => {
  await db?.drop();
});

describe('a factor hands its outcome to its caller’s sink', () => {
  it('a sink that fails rolls the factor’s step back: the code stays unspent, and the next sink takes its verdict', async () => {
    const { runner, login } = totpLogin();
    clock.advance(60_000);
    const subject = { user, countedAs: 'user:user-1' };
    const failing = recordingSink(true);
    await expect(runner.transaction((steps) => login.step(steps, { app, subject, request: request(currentCode()) }, failing.sink))).rejects.toThrow('the caller refused the verdict');
    expect(failing.seen.map((outcome) => outcome.state)).toEqual(['active.authenticated']);

    const recording = recordingSink();
    const step = await runner.transaction((steps) => login.step(steps, { app, subject, request: request(currentCode()) }, recording.sink));
    expect(step).toEqual({ answer: { kind: 'ok' }, result: 'sunk' });
    const [outcome] = recording.seen;
    expect(recording.seen).toHaveLength(1);
    expect(outcome).toMatchObject({ factor: 'totp', state: 'active.authenticated', id: 'totp-1', answer: { kind: 'ok' }, verdict: { method: 'totp', verifies: null, at: clock.now() } });
    expect(outcome?.authentication?.user).toBe(user);
    // Only the sink's work follows a verdict: no session was opened by the factor itself.
    expect(await db.storage.db.flow.count({ where: { kind: 'session' } })).toBe(0);
  });

  it('a refusal reaches the sink with no verdict, and a stand-in’s names no user', async () => {
    const { runner, login } = totpLogin();
    clock.advance(60_000);
    const wrong = currentCode() === '000000' ? '111111' : '000000';
    const recording = recordingSink();
    const refused = await runner.transaction((steps) => login.step(steps, { app, subject: { user, countedAs: 'user:user-1' }, request: request(wrong) }, recording.sink));
    expect(refused.answer).toMatchObject({ kind: 'refused', error: 'OTP_INVALID_CREDENTIALS' });
    expect(recording.seen[0]).toMatchObject({ factor: 'totp', state: 'active.wrongCode', id: 'totp-1', verdict: null });

    const nobody = await runner.transaction((steps) => login.step(steps, { app, subject: { user: null, countedAs: 'app-1:email:nobody@example.com' }, request: request(wrong) }, recording.sink));
    expect(nobody.result).toBe('sunk');
    expect(recording.seen[1]).toMatchObject({ factor: 'totp', verdict: null, authentication: null });
    expect(recording.seen[1]?.id).not.toBe('totp-1');
    const live = await runner.transaction((steps) => findLiveCredential(steps, totpDefinition, { appId: 'app-1', userId: 'user-1', kind: 'totp' }));
    expect(live?.context.attempts).toBe(1);
  });
});
