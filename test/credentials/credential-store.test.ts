import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PasswordTypes, passwordDefinition } from '../../src/flows/password/definition.js';
import { type TotpTypes, totpDefinition } from '../../src/flows/totp/definition.js';
import type { RegisteredMachine } from '../../src/engine/definition.js';
import { createRunner } from '../../src/engine/runner.js';
import { credentialStore, findLiveCredential } from '../../src/repositories/credential-repository.js';
import type { Tx } from '../../src/storage/prisma.js';
import { manualClock } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

// Credentials as stored instances (issue 11): the row and its appended log through the one runner,
// one live credential of a kind per user and app, the slot freed by a revocation, and a secret
// replaced through a step's patch. The effects are stand-ins: the machines decide, the store keeps.

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const MINUTE = 60_000;
let db: TestDatabase;
const clock = manualClock(T0);
const app = { id: 'app-1' } as never;
let counter = 0;

const totp = (verdict: () => { type: 'totp.matched'; step: number } | { type: 'totp.mismatched'; repeated: boolean }): RegisteredMachine<TotpTypes> => ({
  definition: totpDefinition,
  store: credentialStore(totpDefinition, 'totp', db.storage.provider),
  handlers: {
    compareTotp: { phase: 'inline', run: () => ({ event: verdict() }) },
    forgetSecret: { phase: 'inline', run: () => ({ patch: { secret: '' } }) },
    recordAuthentication: { phase: 'inline', run: () => {} },
  },
});
const password: () => RegisteredMachine<PasswordTypes> = () => ({
  definition: passwordDefinition,
  store: credentialStore(passwordDefinition, 'password', db.storage.provider),
  handlers: {
    comparePassword: { phase: 'afterCommit', run: ({ generation, attempt }) => ({ event: { type: 'password.mismatched', generation, attempt } }) },
    storeRehash: { phase: 'inline', run: () => {} },
    storeSecret: { phase: 'inline', run: (_params, { request }) => (request.hashing.hash === undefined ? undefined : { patch: { secret: request.hashing.hash } }) },
    recordAuthentication: { phase: 'inline', run: () => {} },
  },
});

async function newUser(): Promise<string> {
  const id = `user-${++counter}`;
  await db.storage.db.user.create({ data: { id, tenantId: 'tenant-1', email: `${id}@example.com`, profile: {}, createdAt: new Date(T0), updatedAt: new Date(T0) } });
  return id;
}

beforeAll(async () => {
  db = await freshDatabase();
  await db.storage.db.tenant.create({ data: { id: 'tenant-1', name: 'Tenant' } });
});

afterAll(async () => {
  await db?.drop();
});

describe('credential store', () => {
  it('keeps a credential and appends its log; one live credential of a kind per user and app; revocation frees the slot', async () => {
    const runner = createRunner({ storage: db.storage, clock });
    const userId = await newUser();
    const machine = totp(() => ({ type: 'totp.matched', step: 100 }));
    const create = { tenantId: 'tenant-1', userId, secret: 'sealed-seed', params: { algorithm: 'sha1', digits: 6, period: 30 }, label: 'ada@example.com' };
    await runner.transaction((steps) => steps.start(machine, { id: 'totp-1', appId: 'app-1', input: { userId, registeredAt: T0, userStatus: 'Active' }, create, request: { app } }));
    clock.advance(MINUTE);
    const step = await runner.transaction(async (steps) => {
      const live = await findLiveCredential(steps, totpDefinition, { appId: 'app-1', userId, kind: 'totp' });
      if (live === null) throw new Error('no live credential');
      expect(live.row).toMatchObject({ kind: 'totp', secret: 'sealed-seed', label: 'ada@example.com', params: { digits: 6 } });
      return steps.send(
        machine,
        live,
        { type: 'totp.submit', session: null, resource: null, allowedResources: [], userStatus: 'Active', policy: { maxFailures: 3, lockoutMs: 15 * MINUTE, window: 1 } },
        { app },
      );
    });
    expect(step.state).toBe('active.authenticated');
    expect(step.context.lastUsedStep).toBe(100);
    const log = await db.storage.db.credentialEvent.findMany({ where: { credentialId: 'totp-1' }, orderBy: { seq: 'asc' } });
    expect(log.map((event) => [event.seq, event.type, event.state])).toEqual([
      [2, 'totp.submit', 'active.verifying'],
      [3, 'totp.matched', 'active.authenticated'],
    ]);
    expect(log[1]?.fields).toEqual({ step: 100 });

    // A second authenticator of the same user and app cannot be live at once.
    await expect(
      runner.transaction((steps) => steps.start(machine, { id: 'totp-2', appId: 'app-1', input: { userId, registeredAt: T0, userStatus: 'Active' }, create, request: { app } })),
    ).rejects.toThrow();
    await runner.transaction(async (steps) => {
      const live = await findLiveCredential(steps, totpDefinition, { appId: 'app-1', userId, kind: 'totp' });
      if (live === null) throw new Error('no live credential');
      return steps.send(machine, live, { type: 'totp.revoke' }, { app });
    });
    const revoked = await db.storage.db.credential.findUniqueOrThrow({ where: { id: 'totp-1' } });
    expect(revoked).toMatchObject({ stateValue: 'revoked.done', liveKey: null, secret: '' });
    expect(revoked.endedAt?.getTime()).toBe(T0 + MINUTE);
    await runner.transaction((steps) => steps.start(machine, { id: 'totp-3', appId: 'app-1', input: { userId, registeredAt: T0, userStatus: 'Active' }, create, request: { app } }));
    expect((await db.storage.db.credential.findUniqueOrThrow({ where: { id: 'totp-3' } })).liveKey).toBe(`app-1:${userId}:totp`);
  });

  it('replaces a secret through the step that names it, and counts an attempt in the write before any comparison', async () => {
    const runner = createRunner({ storage: db.storage, clock });
    const userId = await newUser();
    const machine = password();
    const create = { tenantId: 'tenant-1', userId, secret: '$argon2id$old', params: {}, label: null };
    await runner.transaction((steps) => steps.start(machine, { id: 'pwd-1', appId: 'app-1', input: { userId, setAt: T0, temporary: true }, create, request: { app, hashing: {} } }));
    const load = async (tx: Tx) => {
      const live = await findLiveCredential({ tx, provider: db.storage.provider, locks: true }, passwordDefinition, { appId: 'app-1', userId, kind: 'password' });
      if (live === null) throw new Error('no live password');
      return live;
    };
    await runner.transaction(async (steps) => steps.send(machine, await load(steps.tx), { type: 'password.replace', temporary: false }, { app, hashing: { hash: '$argon2id$new' } }));
    expect((await db.storage.db.credential.findUniqueOrThrow({ where: { id: 'pwd-1' } })).secret).toBe('$argon2id$new');
    const policy = { maxFailures: 5, suspensionMs: 15 * MINUTE, failuresExpireMs: null, expiresAfterMs: null, temporaryValidityMs: null };
    const wrong = await runner.transaction(async (steps) =>
      steps.send(machine, await load(steps.tx), { type: 'password.submit', session: null, policy, resource: null, allowedResources: [] }, { app, hashing: {} }),
    );
    expect(wrong.state).toBe('active.wrongPassword');
    const log = await db.storage.db.credentialEvent.findMany({ where: { credentialId: 'pwd-1' }, orderBy: { seq: 'asc' } });
    // The attempt was written (verifying, attempts 1) before the comparison's verdict came back.
    expect(log.map((event) => [event.type, event.state])).toEqual([
      ['password.replace', 'active.ready'],
      ['password.submit', 'active.verifying'],
      ['password.mismatched', 'active.wrongPassword'],
    ]);
    expect(JSON.stringify(log)).not.toContain('argon2');
  });
});
