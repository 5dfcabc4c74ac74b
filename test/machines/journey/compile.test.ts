import { describe, expect, it } from 'vitest';
import { Value } from 'typebox/value';
import { type AnyStateMachine, initialTransition, transition } from 'xstate';
import { builtInJourneys } from '../../../machines/journey/built-in.js';
import { type CompiledJourney, compileJourney, journeyMachine } from '../../../machines/journey/compile.js';
import { JourneyContextShape, type JourneyFacts, type JourneyInput, JourneyInputShape } from '../../../machines/journey/context.js';
import { FACTORS } from '../../../machines/journey/document.js';
import type { JourneyEvent } from '../../../machines/journey/events.js';
import { stateValueToString } from '../../../machines/shared/state-value.js';
import { leafStates } from '../../../src/engine/effect-check.js';
import { walkChart } from '../../helpers/chart-walk.js';
import { fixture } from './fixtures.js';

// Journey documents compiled to statecharts (design note i19 §2.2, §2.6): the built-ins and the
// §1.3 fixture compile; the stored JSON rebuilds the same machine; the fixture's chart transition by
// transition with explicit times; one answer per leaf; the samples walk every state and transition.

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const MINUTE = 60_000;
const FACTS: JourneyFacts = {
  holds: { password: true, totp: false, passkey: false },
  has: { email: true, phone: false },
  mfaPolicy: false,
  resource: null,
  sessionNamed: false,
  sessionMethods: [],
};
const inputWith = (facts: Partial<JourneyFacts>): JourneyInput => ({
  journeyKey: 'password-then-code',
  version: 1,
  userId: 'user-1',
  startedAt: T0,
  expiresAt: T0 + 15 * MINUTE,
  facts: { ...FACTS, ...facts },
});
const WITH_TOTP = inputWith({ holds: { password: true, totp: true, passkey: false } });
const WITH_PHONE = inputWith({ has: { email: true, phone: true } });
const WITH_NEITHER = inputWith({});

const compiled = compileJourney(fixture('password-then-code'));
const machine = journeyMachine(compiled);
type Snapshot = ReturnType<typeof machine.resolveState>;
const stateOf = (snapshot: { value: unknown }) => stateValueToString(snapshot.value);
const begin = (input: JourneyInput) => initialTransition(machine, input)[0];
const send = (snapshot: Snapshot, event: JourneyEvent) => transition(machine, snapshot, event)[0];
const passed = (step: string, method: 'pwd' | 'totp' | 'sms', at: number, verifies: 'phone' | null = null): JourneyEvent => ({ type: 'factor.passed', step, method, verifies, userId: 'user-1', at });

const BUILT_INS = builtInJourneys(FACTORS).map((doc) => [doc.key, compileJourney(doc)] as const);
const CHARTS: readonly (readonly [string, CompiledJourney])[] = [...BUILT_INS, ['password-then-code', compiled]];

describe('compiling journeys', () => {
  it('compiles the built-ins and the §1.3 fixture; a document with errors does not compile', () => {
    expect(BUILT_INS.map(([key]) => key)).toEqual(['single-factor', 'two-factor', 'step-up']);
    expect(stateOf(begin(WITH_TOTP))).toBe('steps.password.awaiting');
    expect(compiled.effects).toEqual([]);
    expect(() => compileJourney(fixture('password-then-code-dangling'))).toThrow(/DANGLING_TARGET/);
  });

  it('rebuilds the same machine from its stored JSON', () => {
    for (const [key, chart] of CHARTS) {
      const stored: unknown = JSON.parse(JSON.stringify(chart.config));
      // Plain JSON: nothing is lost or changed on the way to the database and back.
      expect(stored, key).toStrictEqual(chart.config);
      const rebuilt: AnyStateMachine = journeyMachine({ config: JSON.parse(JSON.stringify(chart.config)) });
      // The same states, transitions, guards and actions with the same params (the definition as data).
      expect(JSON.stringify(rebuilt.definition), key).toBe(JSON.stringify(journeyMachine(chart).definition));
      expect(leafStates(rebuilt), key).toEqual(leafStates(journeyMachine(chart)));
    }
  });

  it('a user holding TOTP goes password → totp (the one option, taken at once) → completed', () => {
    const second = send(begin(WITH_TOTP), passed('password', 'pwd', T0 + MINUTE));
    expect(stateOf(second)).toBe('steps.totp.awaiting');
    const done = send(second, passed('totp', 'totp', T0 + 2 * MINUTE));
    expect(stateOf(done)).toBe('completed.done');
    expect(done.context.proved.map((proof) => proof.method)).toEqual(['pwd', 'totp']);
    expect(done.context.proved.map((proof) => proof.at)).toEqual([T0 + MINUTE, T0 + 2 * MINUTE]);
    // What a row will store fits the journey's fixed schemas.
    expect(Value.Check(JourneyInputShape, WITH_TOTP)).toBe(true);
    expect(Value.Check(JourneyContextShape, done.context)).toBe(true);
  });

  it('a user without TOTP but with a phone goes password → sms (sending, then awaiting) → completed', () => {
    const sms = send(begin(WITH_PHONE), passed('password', 'pwd', T0 + MINUTE));
    expect(stateOf(sms)).toBe('steps.sms.sending');
    const sent = send(sms, { type: 'factor.started', step: 'sms', flowId: 'otp-1', at: T0 + MINUTE });
    expect(stateOf(sent)).toBe('steps.sms.awaiting');
    expect(sent.context.flows).toEqual({ sms: 'otp-1' });
    const done = send(sent, passed('sms', 'sms', T0 + 2 * MINUTE, 'phone'));
    expect(stateOf(done)).toBe('completed.done');
    expect(done.context.proved.map((proof) => [proof.method, proof.verifies])).toEqual([
      ['pwd', null],
      ['sms', 'phone'],
    ]);
  });

  it('a user with neither is denied (noFactorOffered); a locked password denies (locked)', () => {
    expect(stateOf(send(begin(WITH_NEITHER), passed('password', 'pwd', T0 + MINUTE)))).toBe('denied.noFactorOffered');
    expect(stateOf(send(begin(WITH_TOTP), { type: 'factor.locked', step: 'password', at: T0 + MINUTE }))).toBe('denied.locked');
    expect(compiled.answers['denied.noFactorOffered']).toEqual({ kind: 'refused', error: 'JOURNEY_DENIED', details: { reason: 'noFactorOffered' } });
  });

  it('a wrong password stays on the step and answers the factor’s own refusal', () => {
    const refused = send(begin(WITH_TOTP), { type: 'factor.refused', step: 'password', refusal: 'PASSWORD_INVALID_CREDENTIALS', at: T0 + MINUTE });
    expect(stateOf(refused)).toBe('steps.password.refused');
    const answer = compiled.answers['steps.password.refused'];
    expect(typeof answer === 'function' ? answer(refused.context) : answer).toEqual({ kind: 'refused', error: 'PASSWORD_INVALID_CREDENTIALS' });
    expect(stateOf(send(refused, passed('password', 'pwd', T0 + 2 * MINUTE)))).toBe('steps.totp.awaiting');
  });

  it('a step out of turn rests in .outOfTurn, and the step the journey is at is checked without moving', () => {
    const start = begin(WITH_TOTP);
    const early = send(start, passed('totp', 'totp', T0 + MINUTE));
    expect(stateOf(early)).toBe('steps.password.outOfTurn');
    expect(early.context.proved).toEqual([]);
    expect(stateOf(send(start, { type: 'step.check', step: 'sms', at: T0 + MINUTE }))).toBe('steps.password.outOfTurn');
    expect(stateOf(send(start, { type: 'step.check', step: 'password', at: T0 + MINUTE }))).toBe('steps.password.awaiting');
    expect(compiled.answers['steps.password.outOfTurn']).toEqual({ kind: 'refused', error: 'JOURNEY_STEP_OUT_OF_TURN', details: { expectedStep: 'password' } });
  });

  it('expires at expiresAt exactly (not a millisecond before), whatever the event', () => {
    const start = begin(WITH_TOTP);
    expect(stateOf(send(start, passed('password', 'pwd', T0 + 15 * MINUTE - 1)))).toBe('steps.totp.awaiting');
    const expired = send(start, passed('password', 'pwd', T0 + 15 * MINUTE));
    expect(stateOf(expired)).toBe('denied.expired');
    expect(expired.context.proved).toEqual([]);
    expect(compiled.answers['denied.expired']).toEqual({ kind: 'refused', error: 'JOURNEY_EXPIRED' });
  });

  it('completed and denied take any later event as .reused', () => {
    const done = send(send(begin(WITH_TOTP), passed('password', 'pwd', T0 + MINUTE)), passed('totp', 'totp', T0 + 2 * MINUTE));
    const reused = send(done, passed('totp', 'totp', T0 + 3 * MINUTE));
    expect(stateOf(reused)).toBe('completed.reused');
    expect(reused.context.proved).toHaveLength(2);
    expect(compiled.answers['completed.reused']).toEqual({ kind: 'refused', error: 'JOURNEY_COMPLETED' });
    const denied = send(begin(WITH_TOTP), { type: 'factor.locked', step: 'password', at: T0 + MINUTE });
    expect(stateOf(send(denied, { type: 'step.check', step: 'password', at: T0 + 2 * MINUTE }))).toBe('denied.reused');
  });

  it('maxVisits bounds a loop: the entry past the bound denies (tooManyVisits), and the bounded chart is walked whole', () => {
    const retry = {
      format: 'keystate.journey/1',
      key: 'retry',
      title: 'Password, or a link after a wrong one',
      ttlSeconds: 900,
      start: 'identify',
      steps: {
        identify: { kind: 'identify', identifierTypes: ['email'], next: 'password' },
        password: { kind: 'factor', factor: 'password', passed: 'complete', failed: 'link', locked: 'deny', maxVisits: 2 },
        link: { kind: 'factor', factor: 'magic_link', passed: 'complete', failed: 'password', locked: 'deny' },
      },
    };
    const chart = compileJourney(retry);
    const looping = journeyMachine(chart);
    const wrong = (step: string, at: number): JourneyEvent => ({ type: 'factor.refused', step, refusal: 'PASSWORD_INVALID_CREDENTIALS', at });
    let snapshot = initialTransition(looping, WITH_TOTP)[0];
    expect(snapshot.context.visits).toEqual({ password: 1 });
    snapshot = transition(looping, snapshot, wrong('password', T0 + MINUTE))[0];
    expect(stateOf(snapshot)).toBe('steps.link.sending');
    snapshot = transition(looping, snapshot, wrong('link', T0 + 2 * MINUTE))[0];
    expect(stateOf(snapshot)).toBe('steps.password.awaiting');
    expect(snapshot.context.visits).toEqual({ password: 2 });
    snapshot = transition(looping, transition(looping, snapshot, wrong('password', T0 + 3 * MINUTE))[0], wrong('link', T0 + 4 * MINUTE))[0];
    expect(stateOf(snapshot)).toBe('denied.tooManyVisits');
    const walked = walkChart(looping, chart.samples.inputs, chart.samples.events);
    expect(walked.states.missing).toEqual([]);
    expect(walked.transitions.missing).toEqual([]);
  });

  it.each(CHARTS.map(([key, chart]) => [key, chart]))('%s: every resting leaf has an answer, and every answer is a leaf', (_key, chart) => {
    expect(Object.keys(chart.answers).sort()).toEqual(leafStates(journeyMachine(chart)).sort());
  });

  it.each(CHARTS.map(([key, chart]) => [key, chart]))('%s: the samples walk every state and every transition', (key, chart) => {
    expect(chart.samples.inputs.every((input) => Value.Check(JourneyInputShape, input))).toBe(true);
    const walked = walkChart(journeyMachine(chart), chart.samples.inputs, chart.samples.events);
    expect(walked.states.missing).toEqual([]);
    expect(walked.transitions.missing).toEqual([]);
    // The measure of each chart, printed as the generated walk prints its coverage.
    console.log(`  ${key.padEnd(20)} states ${walked.states.total}, transitions ${walked.transitions.total}, inputs ${chart.samples.inputs.length}, events ${chart.samples.events.length}`);
  });
});
