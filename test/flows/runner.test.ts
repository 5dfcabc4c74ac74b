import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MagicLinkInput } from '../../machines/index.js';
import { AuthError } from '../../src/errors.js';
import type { EffectHandler, EffectRegistry } from '../../src/flows/effects.js';
import { createFlowRunner } from '../../src/flows/runner.js';
import { listFlowEvents } from '../../src/repositories/flow-repository.js';
import { insertTenant } from '../../src/repositories/tenant-repository.js';
import { manualClock } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

// The runner's contract, with the real database and injected effect handlers: one event per call,
// snapshot + event log + transactional effects commit together or not at all, concurrent events on
// one flow never both apply, and after-commit effects report back as events.

const MINUTE = 60_000;
let db: TestDatabase;
const scope = { tenantId: 'tenant-1', appId: 'app-1' };

beforeAll(async () => {
  db = await freshDatabase();
  await insertTenant(db.storage.db, { id: scope.tenantId, name: 'runner-tests' });
});
afterAll(async () => db?.drop());

interface Recorder {
  readonly calls: string[];
  registry(overrides?: Record<string, EffectHandler>): EffectRegistry;
}

function recorder(): Recorder {
  const calls: string[] = [];
  const tx = (name: string): EffectHandler => ({ phase: 'transaction', run: async () => void calls.push(name) });
  return {
    calls,
    registry: (overrides = {}) => ({
      'magic-link': {
        issueChallenge: tx('issueChallenge'),
        deliverChallenge: {
          phase: 'afterCommit',
          run: async () => {
            calls.push('deliverChallenge');
            return { type: 'challenge.delivered' };
          },
        },
        revokeChallenge: tx('revokeChallenge'),
        consumeChallenge: tx('consumeChallenge'),
        recordAuthentication: tx('recordAuthentication'),
        issueTokens: { phase: 'afterCommit', run: async () => void calls.push('issueTokens') },
        ...overrides,
      },
    }),
  };
}

function input(clockNow: number): MagicLinkInput {
  return { userId: 'user-1', redirectUri: 'https://app.example/verify', state: null, channel: 'email', expiresAt: clockNow + 15 * MINUTE, requestId: null };
}

describe('flow runner', () => {
  it('starts a flow, runs its effects in order and feeds the delivery outcome back as an event', async () => {
    const clock = manualClock();
    const effects = recorder();
    const runner = createFlowRunner({ storage: db.storage, clock, effects: effects.registry() });
    const outcome = await runner.start('magic-link', input(clock.now()), scope, { expiresAt: clock.now() + 15 * MINUTE });
    expect(outcome.state).toBe('awaitingCode');
    expect(effects.calls).toEqual(['issueChallenge', 'deliverChallenge']);
    const events = await listFlowEvents(db.storage.db, outcome.flowId);
    expect(events.map((event) => [event.seq, event.type, event.state])).toEqual([
      [1, 'xstate.init', 'issuing'],
      [2, 'challenge.delivered', 'awaitingCode'],
    ]);
    const row = await db.storage.db.flow.findUniqueOrThrow({ where: { id: outcome.flowId } });
    expect(row).toMatchObject({ version: 2, stateValue: 'awaitingCode', kind: 'magic-link', machineVersion: 1 });
  });

  it('stamps each event with the injected clock', async () => {
    const clock = manualClock();
    const runner = createFlowRunner({ storage: db.storage, clock, effects: recorder().registry() });
    const { flowId } = await runner.start('magic-link', input(clock.now()), scope, { expiresAt: clock.now() + 15 * MINUTE });
    clock.advance(7 * MINUTE);
    await runner.send(flowId, scope, { type: 'code.submit', sessionId: null, requestId: null });
    const events = await listFlowEvents(db.storage.db, flowId);
    expect(events.at(-1)).toMatchObject({ type: 'code.submit', state: 'authenticated', at: clock.now() });
  });

  it('an event the current state does not accept writes nothing', async () => {
    const clock = manualClock();
    const runner = createFlowRunner({ storage: db.storage, clock, effects: recorder().registry() });
    const { flowId } = await runner.start('magic-link', input(clock.now()), scope, { expiresAt: clock.now() + 15 * MINUTE });
    const outcome = await runner.send(flowId, scope, { type: 'challenge.delivered' });
    expect(outcome.accepted).toBe(false);
    expect(outcome.state).toBe('awaitingCode');
    expect((await listFlowEvents(db.storage.db, flowId)).length).toBe(2);
  });

  it('a transactional effect that fails rolls back the snapshot and the event log', async () => {
    const clock = manualClock();
    const failing = recorder();
    const runner = createFlowRunner({
      storage: db.storage,
      clock,
      effects: failing.registry({
        recordAuthentication: { phase: 'transaction', run: async () => Promise.reject(new AuthError('SESSION_NOT_FOUND')) },
      }),
    });
    const { flowId } = await runner.start('magic-link', input(clock.now()), scope, { expiresAt: clock.now() + 15 * MINUTE });
    await expect(runner.send(flowId, scope, { type: 'code.submit', sessionId: 'x', requestId: null })).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    const row = await db.storage.db.flow.findUniqueOrThrow({ where: { id: flowId } });
    expect(row).toMatchObject({ stateValue: 'awaitingCode', version: 2 });
    expect((await listFlowEvents(db.storage.db, flowId)).map((event) => event.type)).toEqual(['xstate.init', 'challenge.delivered']);
    expect(failing.calls).not.toContain('issueTokens');
  });

  it('two concurrent events on one flow: exactly one applies, no lost update', async () => {
    const clock = manualClock();
    const effects = recorder();
    const runner = createFlowRunner({ storage: db.storage, clock, effects: effects.registry() });
    const { flowId } = await runner.start('magic-link', input(clock.now()), scope, { expiresAt: clock.now() + 15 * MINUTE });
    const outcomes = await Promise.all(Array.from({ length: 4 }, () => runner.send(flowId, scope, { type: 'code.submit', sessionId: null, requestId: null })));
    expect(outcomes.filter((outcome) => outcome.accepted).length).toBe(1);
    expect(effects.calls.filter((call) => call === 'recordAuthentication').length).toBe(1);
    const row = await db.storage.db.flow.findUniqueOrThrow({ where: { id: flowId } });
    expect(row.version).toBe(3);
    expect((await listFlowEvents(db.storage.db, flowId)).map((event) => event.seq)).toEqual([1, 2, 3]);
  });

  it('a flow is invisible to another app', async () => {
    const clock = manualClock();
    const runner = createFlowRunner({ storage: db.storage, clock, effects: recorder().registry() });
    const { flowId } = await runner.start('magic-link', input(clock.now()), scope, { expiresAt: clock.now() + 15 * MINUTE });
    await expect(runner.send(flowId, { appId: 'app-2' }, { type: 'code.submit', sessionId: null, requestId: null })).rejects.toMatchObject({ code: 'FLOW_NOT_FOUND' });
    expect(await runner.view(flowId, 'app-2')).toBeNull();
  });

  it('a flow whose machine version was retired answers FLOW_VERSION_RETIRED', async () => {
    const clock = manualClock();
    const runner = createFlowRunner({ storage: db.storage, clock, effects: recorder().registry() });
    const { flowId } = await runner.start('magic-link', input(clock.now()), scope, { expiresAt: clock.now() + 15 * MINUTE });
    await db.storage.db.flow.update({ where: { id: flowId }, data: { machineVersion: 0 } });
    await expect(runner.send(flowId, scope, { type: 'code.submit', sessionId: null, requestId: null })).rejects.toMatchObject({ code: 'FLOW_VERSION_RETIRED' });
  });
});
