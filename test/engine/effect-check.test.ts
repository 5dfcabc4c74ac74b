import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { ALL_MACHINES } from '../../machines/index.js';
import { ok } from '../../machines/shared/answers.js';
import type { MachineTypes, RegisteredMachine } from '../../src/engine/definition.js';
import { assertRegistrations, leafStates, MachineRegistrationError, registrationProblems } from '../../src/engine/effect-check.js';
import { createMachines } from '../../src/engine/machines.js';
import { createRefreshFamilies, type RefreshFamilyTypes } from '../../src/flows/refresh/effects.js';
import type { SecretHasher } from '../../src/secrets/secret-hasher.js';
import type { TokenService } from '../../src/tokens/token-service.js';

// The start-time check of every registered machine: each problem a wiring mistake can cause is
// named, and one problem is enough to stop the start (assertRegistrations throws).

const hasher = { hash: (value: string) => `h:${value}` } as unknown as SecretHasher;
const tokens = {} as TokenService;
const erase = (machine: unknown) => machine as RegisteredMachine<MachineTypes>;

function families(): RegisteredMachine<RefreshFamilyTypes> {
  return createRefreshFamilies({ hasher, tokens, provider: 'sqlite' });
}

describe('registration check', () => {
  it('passes every machine the server runs', () => {
    const machines = createMachines({
      config: { publicUrl: 'http://127.0.0.1:3000' },
      hasher,
      passwordHasher: {} as never,
      decoys: {} as never,
      tokens,
      delivery: {} as never,
      provider: 'sqlite',
    });
    expect(machines.all.map((machine) => machine.definition.name).sort()).toEqual(Object.keys(ALL_MACHINES).sort());
    expect(machines.all.flatMap(registrationProblems)).toEqual([]);
  });

  it('names an effect without a handler', () => {
    const registered = families();
    const { issueTokens: _dropped, ...handlers } = registered.handlers;
    expect(registrationProblems(erase({ ...registered, handlers }))).toEqual(['refresh-family: no handler for the effect "issueTokens"']);
  });

  it('names a handler for an effect the machine does not name', () => {
    const registered = families();
    const handlers = { ...registered.handlers, sendPostcard: { phase: 'afterCommit', run: () => {} } };
    expect(registrationProblems(erase({ ...registered, handlers }))).toEqual(['refresh-family: the handler "sendPostcard" performs no effect the machine names']);
  });

  it('names a missing answer and an answer for a state that does not exist', () => {
    const registered = families();
    const { 'expired.refused': _dropped, ...answers } = registered.definition.answers;
    const definition = { ...registered.definition, answers: { ...answers, 'expired.forgotten': ok } };
    expect(registrationProblems(erase({ ...registered, definition }))).toEqual([
      'refresh-family: no answer for the state "expired.refused"',
      'refresh-family: an answer for "expired.forgotten", which is not a state',
    ]);
  });

  it('names an action the chart refers to that is neither an effect nor implemented', () => {
    const chart = setup({ types: { events: {} as { type: 'go' } } }).createMachine({
      id: 'toy',
      initial: 'idle',
      states: { idle: { on: { go: { target: 'done', actions: ['launchRocket' as never] } } }, done: {} },
    });
    const toy = { definition: { name: 'toy', machine: chart, version: 1, effects: [], logged: {}, answers: { idle: ok, done: ok } }, store: {}, handlers: {} };
    expect(registrationProblems(erase(toy))).toEqual(['toy: the chart names "launchRocket", which is neither an effect nor implemented']);
  });

  it('stops the start on any problem, listing all of them', () => {
    const registered = families();
    const { rotateToken: _dropped, ...handlers } = registered.handlers;
    const broken = erase({ ...registered, handlers });
    expect(() => assertRegistrations([erase(families()), broken])).toThrow(MachineRegistrationError);
    expect(() => assertRegistrations([broken])).toThrow('no handler for the effect "rotateToken"');
    expect(() => assertRegistrations([erase(families())])).not.toThrow();
  });

  it('counts only the states an instance can rest in', () => {
    const chart = setup({}).createMachine({
      id: 'transient',
      initial: 'deciding',
      states: { deciding: { always: 'settled' }, settled: { initial: 'a', states: { a: {}, b: {} } } },
    });
    expect(leafStates(chart)).toEqual(['settled.a', 'settled.b']);
  });
});
