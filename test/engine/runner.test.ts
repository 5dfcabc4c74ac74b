import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance, MachineTypes, RegisteredMachine } from '../../src/engine/definition.js';
import { createRunner } from '../../src/engine/runner.js';
import { checkedInstance } from '../../src/engine/stored-context.js';
import { magicLinkDefinition, type MagicLinkTypes } from '../../src/flows/magic-link/effects.js';
import { findFlowById, flowStore, readFlow } from '../../src/repositories/flow-repository.js';
import { AuthError } from '../../src/errors.js';
import type { Tx } from '../../src/storage/prisma.js';
import { manualClock } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

// The runner against a real database (both engines), with a real machine (magic link) and
// recording effect handlers: one write per step (the row and its log), inline effects applied
// before it (and a failing one writing nothing), after-commit effects whose
// events come back as the next step, and concurrent events on one instance serialised.

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const MINUTE = 60_000;
let db: TestDatabase;

beforeAll(async () => {
  db = await freshDatabase();
});

afterAll(async () => {
  await db?.drop();
});

function machine(options: { failRecording?: boolean; deliver?: 'delivered' | 'undeliverable'; failRelease?: Error; unrecorded?: (error: unknown) => void } = {}) {
  const performed: string[] = [];
  const registered: RegisteredMachine<MagicLinkTypes> = {
    definition: magicLinkDefinition,
    store: flowStore(magicLinkDefinition, 'magic-link', db.storage.provider),
    handlers: {
      issueChallenge: {
        phase: 'inline',
        run: () => {
          performed.push('issueChallenge');
          return { patch: { secretHash: `hash-${performed.length}-${Math.random()}` } };
        },
      },
      deliverChallenge: {
        phase: 'afterCommit',
        run: () => {
          performed.push('deliverChallenge');
          const event = options.deliver === 'undeliverable' ? ({ type: 'challenge.undeliverable', reason: 'smtp_unreachable', fault: 'outage' } as const) : ({ type: 'challenge.delivered' } as const);
          return options.unrecorded === undefined ? { event } : { event, unrecorded: options.unrecorded };
        },
      },
      // The kept message is the subject of test/delivery tests: here it is not kept.
      holdDelivery: { phase: 'inline', run: () => {} },
      scheduleDelivery: { phase: 'inline', run: () => {} },
      releaseDelivery: {
        phase: 'inline',
        run: () => {
          if (options.failRelease !== undefined) throw options.failRelease;
        },
      },
      recordAuthentication: {
        phase: 'inline',
        run: () => {
          performed.push('recordAuthentication');
          if (options.failRecording) throw new AuthError('SESSION_NOT_FOUND');
        },
      },
    },
  };
  return { registered, performed };
}

const input = {
  userId: 'user-1',
  redirectUri: 'https://app.example/verify',
  state: null,
  channel: 'email' as const,
  expiresAt: T0 + 15 * MINUTE,
  requestId: null,
  userStatus: 'Active' as const,
  retryDelaysMs: [],
};
const create = { tenantId: 'tenant-1', appId: 'app-1', userId: 'user-1', subject: null, expiresAt: T0 + 15 * MINUTE, replaces: null };
const request = { app: { id: 'app-1' } as never };
let counter = 0;

async function started(runner: ReturnType<typeof createRunner>, registered: RegisteredMachine<MagicLinkTypes>) {
  counter += 1;
  const id = `flow-${counter}`;
  const step = await runner.transaction((steps) => steps.start(registered, { id, appId: 'app-1', input, create, request }));
  return { id, step };
}
const load = async (id: string, tx: Tx = db.storage.db): Promise<Instance<MagicLinkTypes>> => {
  const flow = await findFlowById({ tx, provider: db.storage.provider, locks: true }, id);
  if (flow === null) throw new Error(`no flow ${id}`);
  return checkedInstance(magicLinkDefinition, 'flow', flow);
};
/** The flow's log as its row keeps it (each step appends its events there). */
const logOf = async (id: string) => (await readFlow(db.storage.db, id))?.events ?? [];
/** Inside a transaction, reads go through its client (SQLite has one connection: see src/storage/prisma.ts). */
const submitTo = (runner: ReturnType<typeof createRunner>, registered: RegisteredMachine<MagicLinkTypes>, id: string) =>
  runner.transaction(async (steps) =>
    steps.send(registered, await load(id, steps.tx), { type: 'code.submit', requestId: null, session: null, userStatus: 'Active', resource: null, allowedResources: [] }, request),
  );

describe('runner', () => {
  it('starts an instance, performs its effects in order, and applies what after-commit effects report', async () => {
    const { registered, performed } = machine();
    const runner = createRunner({ storage: db.storage, clock: manualClock(T0) });
    const { id, step } = await started(runner, registered);
    expect(performed).toEqual(['issueChallenge', 'deliverChallenge']);
    // The step returned is the latest: the delivery outcome was applied after the commit.
    expect(step.state).toBe('awaitingCode.waiting');
    expect(step.answer).toEqual({ kind: 'ok' });
    const row = await load(id);
    expect(row).toMatchObject({ version: 2, stateValue: 'awaitingCode.waiting', row: { secretHash: expect.stringMatching(/^hash-1-/) } });
    expect((await logOf(id)).map((event) => [event.seq, event.type, event.state, event.at])).toEqual([
      [1, 'xstate.init', 'issuing', T0],
      [2, 'challenge.delivered', 'awaitingCode.waiting', T0],
    ]);
  });

  it('stamps each event with the injected clock and answers from the machine’s table', async () => {
    const clock = manualClock(T0);
    const { registered } = machine({ deliver: 'undeliverable' });
    const runner = createRunner({ storage: db.storage, clock });
    const { id, step } = await started(runner, registered);
    expect(step.answer).toEqual({ kind: 'refused', error: 'DELIVERY_UNAVAILABLE' });
    clock.advance(MINUTE);
    const next = await submitTo(runner, registered, id);
    expect(next.state).toBe('deliveryFailed.refused');
    expect((await logOf(id)).at(-1)).toMatchObject({ type: 'code.submit', at: T0 + MINUTE, fields: { requestId: null } });
  });

  it('an event the machine does not take writes nothing', async () => {
    const { registered } = machine();
    const runner = createRunner({ storage: db.storage, clock: manualClock(T0) });
    const { id } = await started(runner, registered);
    await runner.transaction(async (steps) => steps.send(registered, await load(id, steps.tx), { type: 'challenge.superseded' }, request));
    const before = await load(id);
    // A flow already replaced takes no second replacement.
    const step = await runner.transaction((steps) => steps.send(registered, before, { type: 'challenge.superseded' }, request));
    expect(step.accepted).toBe(false);
    expect(await load(id)).toEqual(before);
  });

  it('an effect that fails rolls the instance and its log back', async () => {
    const { registered, performed } = machine({ failRecording: true });
    const runner = createRunner({ storage: db.storage, clock: manualClock(T0) });
    const { id } = await started(runner, registered);
    const before = await load(id);
    await expect(submitTo(runner, registered, id)).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    expect(performed).toContain('recordAuthentication');
    expect(await load(id)).toEqual(before);
  });

  it('concurrent events on one instance: exactly one applies, the others see its result', async () => {
    const { registered, performed } = machine();
    const runner = createRunner({ storage: db.storage, clock: manualClock(T0) });
    const { id } = await started(runner, registered);
    performed.length = 0;
    const steps = await Promise.all(Array.from({ length: 4 }, () => submitTo(runner, registered, id)));
    expect(steps.filter((step) => step.state === 'authenticated.redeemed').length).toBe(1);
    expect(steps.filter((step) => step.state === 'authenticated.alreadyUsed').length).toBe(3);
    expect(performed.filter((effect) => effect === 'recordAuthentication')).toHaveLength(1);
    expect((await load(id)).version).toBe(6);
    expect((await logOf(id)).map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('an after-commit event that cannot be written goes back to its effect; the request answers the committed state (issue 15)', async () => {
    const lost = new Error('the database went away');
    const kept: unknown[] = [];
    const { registered } = machine({ failRelease: lost, unrecorded: (error) => kept.push(error) });
    const runner = createRunner({ storage: db.storage, clock: manualClock(T0) });
    const { id, step } = await started(runner, registered);
    expect(kept).toEqual([lost]);
    expect(step).toMatchObject({ state: 'issuing', answer: { kind: 'ok' } });
    expect((await logOf(id)).map((event) => event.type)).toEqual(['xstate.init']);
    // An effect that takes nothing back fails the request, as before.
    await expect(started(runner, machine({ failRelease: lost }).registered)).rejects.toBe(lost);
  });

  it('an instance of another machine version is refused (410)', async () => {
    const { registered } = machine();
    const runner = createRunner({ storage: db.storage, clock: manualClock(T0) });
    const { id } = await started(runner, registered);
    await db.storage.db.flow.update({ where: { id }, data: { machineVersion: 1 } });
    await expect(submitTo(runner, registered, id)).rejects.toMatchObject({ code: 'FLOW_VERSION_RETIRED' });
  });

  it('a transaction that cannot start in time (every connection busy) is a 503 to retry, not a 500', async () => {
    // Prisma's error when its wait for a connection runs out (P2028), as PostgreSQL under a burst gives it.
    const timeout = Object.assign(new Error('Transaction API error: Unable to start a transaction in the given time.'), { code: 'P2028' });
    const busy = { ...db.storage, db: { $transaction: () => Promise.reject(timeout) } } as unknown as typeof db.storage;
    const runner = createRunner({ storage: busy, clock: manualClock(T0) });
    const refused = runner.transaction(async () => 'never');
    await expect(refused).rejects.toBeInstanceOf(AuthError);
    await expect(refused).rejects.toMatchObject({ code: 'DATABASE_BUSY', status: 503, details: { retryAfterSeconds: 1 } });
    // Any other failure stays what it is.
    const other = Object.assign(new Error('Transaction already closed'), { code: 'P2028' });
    const broken = createRunner({ storage: { ...db.storage, db: { $transaction: () => Promise.reject(other) } } as unknown as typeof db.storage, clock: manualClock(T0) });
    await expect(broken.transaction(async () => 'never')).rejects.toBe(other);
  });

  it.skipIf(process.env.KEYSTATE_TEST_ENGINE !== 'postgresql')('a deadlock PostgreSQL breaks runs the losing transaction again: both succeed (review finding, issue 15)', async () => {
    await db.storage.db.tenant.createMany({
      data: [
        { id: 'lock-a', name: 'Lock A' },
        { id: 'lock-b', name: 'Lock B' },
      ],
    });
    const runner = createRunner({ storage: db.storage, clock: manualClock(T0) });
    // Each transaction locks one row, waits until the other holds its own, then locks the other's:
    // opposite orders, as a login and an authenticator registration once took them.
    let held = 0;
    let bothHeld: () => void = () => {};
    const meeting = new Promise<void>((resolve) => (bothHeld = resolve));
    const attempts: string[] = [];
    const lockInOrder = (first: string, second: string) =>
      runner.transaction(async (steps) => {
        attempts.push(first);
        await steps.tx.$queryRaw`SELECT id FROM tenant WHERE id = ${first} FOR UPDATE`;
        if (++held === 2) bothHeld();
        await meeting;
        await steps.tx.$queryRaw`SELECT id FROM tenant WHERE id = ${second} FOR UPDATE`;
        return first;
      });
    expect(await Promise.all([lockInOrder('lock-a', 'lock-b'), lockInOrder('lock-b', 'lock-a')])).toEqual(['lock-a', 'lock-b']);
    // One of them lost the deadlock and ran again.
    expect(attempts).toHaveLength(3);
  });

  it('evaluates without applying', async () => {
    const { registered, performed } = machine();
    const runner = createRunner({ storage: db.storage, clock: manualClock(T0 + 20 * MINUTE) });
    const { id } = await started(runner, registered);
    performed.length = 0;
    const before = await load(id);
    expect(runner.evaluate(registered as unknown as RegisteredMachine<MachineTypes>, before as never, { type: 'code.submit', requestId: null } as never)).toMatchObject({
      accepted: true,
      state: 'expired.lapsed',
      answer: { kind: 'refused', error: 'MAGIC_LINK_CODE_INVALID' },
    });
    expect(performed).toEqual([]);
    expect(await load(id)).toEqual(before);
  });
});
