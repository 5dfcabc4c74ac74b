import { describe, expect, it } from 'vitest';
import { FACTORS, type Factor } from '../../../machines/journey/document.js';
import { PROBLEM_CODES } from '../../../machines/journey/problem.js';
import { type Problem, publishable, validate } from '../../../machines/journey/validate.js';
import { fixture } from './fixtures.js';

// The journey validator (issue 19 point 1; design note i19 §1.4): each rule with a document that
// breaks it and one that does not, codes and the steps they name pinned.

const ALL: readonly Factor[] = FACTORS;

/** A document around `steps`, starting at identify (a plain object: the validator takes unknown). */
const doc = (steps: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  format: 'keystate.journey/1',
  key: 'test-journey',
  title: 'Test',
  ttlSeconds: 900,
  start: 'identify',
  steps: { identify: { kind: 'identify', identifierTypes: ['email'], next: 'password' }, ...steps },
  ...extra,
});
const factor = (name: string, passed = 'complete', more: Record<string, unknown> = {}) => ({ kind: 'factor', factor: name, passed, locked: 'deny', ...more });
const PASSWORD_ONLY = doc({ password: factor('password') });

/** code → step, the part of each problem a test pins (messages are checked where they matter). */
const found = (problems: readonly Problem[]) => problems.map((problem) => [problem.code, problem.step]);
const codes = (problems: readonly Problem[]) => problems.map((problem) => problem.code);

describe('journey validation', () => {
  it('pins every code and its severity (codes are never renamed)', () => {
    expect(PROBLEM_CODES).toEqual({
      SCHEMA: 'error',
      RESERVED_ID: 'error',
      START_NOT_IDENTIFY: 'error',
      DANGLING_TARGET: 'error',
      DUPLICATE_OPTION: 'error',
      UNREACHABLE_STEP: 'error',
      NEVER_ENDS: 'error',
      NO_COMPLETE: 'error',
      COMPLETES_WITHOUT_FACTOR: 'error',
      FACTOR_NOT_ENABLED: 'error',
      UNKNOWN_RESOURCE: 'error',
      UNBOUNDED_LOOP: 'error',
      CONTRADICTION: 'warning',
      SHADOWED_CASE: 'warning',
      SAME_FACTOR_TWICE: 'warning',
    });
  });

  it('finds nothing wrong with a password journey, nor with the fixture of §1.3', () => {
    expect(validate(PASSWORD_ONLY, ['password'])).toEqual([]);
    expect(validate(fixture('password-then-code'), ALL)).toEqual([]);
  });

  it('SCHEMA: says where a document departs from the schema, once per place, and nothing else', () => {
    expect(validate(42, ALL)).toEqual([{ code: 'SCHEMA', severity: 'error', message: 'the document: must be object', step: null, path: [] }]);
    const broken = doc({ password: factor('pasword'), Bad: factor('password'), odd: { kind: 'loop' } }, { extra: true, format: 'keystate.journey/2' });
    expect(validate(broken, ALL).map((problem) => problem.message)).toEqual([
      'the document: must not have "extra"',
      'format: must be "keystate.journey/1"',
      'steps.password.factor: must be one of password, sms, email_otp, magic_link, totp, passkey',
      'steps.Bad: step ids start with a lowercase letter, then up to 31 letters or digits',
      'steps.odd.kind: must be one of identify, factor, choice, branch',
    ]);
    expect(found(validate(broken, ALL))).toEqual([
      ['SCHEMA', null],
      ['SCHEMA', null],
      ['SCHEMA', 'password'],
      ['SCHEMA', 'Bad'],
      ['SCHEMA', 'odd'],
    ]);
  });

  it('SCHEMA: a condition of no known form is named as such, at the condition', () => {
    const choice = { kind: 'choice', none: 'deny', options: [{ step: 'password', when: { holds: 'sms' } }] };
    const problems = validate(doc({ identify: { kind: 'identify', identifierTypes: ['email'], next: 'pick' }, pick: choice, password: factor('password') }), ALL);
    expect(problems.map((problem) => [problem.message, problem.path])).toEqual([['steps.pick.options.0.when: fits none of the forms allowed here', ['steps', 'pick', 'options', '0', 'when']]]);
  });

  it('RESERVED_ID: no step is called complete or deny', () => {
    const problems = validate(doc({ password: factor('password', 'deny'), deny: factor('totp') }), ALL);
    expect(found(problems)).toEqual([['RESERVED_ID', 'deny']]);
    expect(problems[0]?.message).toBe('"deny" is reserved: rename the step');
  });

  it('START_NOT_IDENTIFY: the start is the one identify step', () => {
    expect(found(validate(doc({ password: factor('password') }, { start: 'password' }), ALL))).toEqual([['START_NOT_IDENTIFY', null]]);
    expect(validate(doc({ password: factor('password') }, { start: 'nowhere' }), ALL)[0]?.message).toBe('the journey must start with an identify step, and "nowhere" is not a step');
    const twice = doc({ password: factor('password', 'again'), again: { kind: 'identify', identifierTypes: ['email'], next: 'complete' } });
    expect(found(validate(twice, ALL))).toEqual([['START_NOT_IDENTIFY', 'again']]);
  });

  it('DANGLING_TARGET: the fixture with a misspelt step, and choices that offer what is not a factor step', () => {
    const problems = validate(fixture('password-then-code-dangling'), ALL);
    expect(problems).toEqual([{ code: 'DANGLING_TARGET', severity: 'error', message: 'step "password" goes to "secnd", which is not a step', step: 'password', path: ['password', 'secnd'] }]);
    const offersBranch = doc({
      identify: { kind: 'identify', identifierTypes: ['email'], next: 'pick' },
      pick: { kind: 'choice', none: 'deny', options: [{ step: 'password' }, { step: 'check' }, { step: 'complete' }] },
      password: factor('password'),
      check: { kind: 'branch', cases: [{ when: { holds: 'totp' }, next: 'password' }], otherwise: 'deny' },
    });
    expect(found(validate(offersBranch, ALL))).toEqual([
      ['DANGLING_TARGET', 'pick'],
      ['DANGLING_TARGET', 'pick'],
    ]);
  });

  it('DANGLING_TARGET: a target named like a property every object has is no step', () => {
    expect(found(validate(doc({ password: factor('password', 'toString') }), ALL))).toEqual([['DANGLING_TARGET', 'password']]);
    expect(validate(doc({ password: factor('password', 'constructor'), constructor: factor('totp') }), ALL)).toEqual([]);
  });

  it('DUPLICATE_OPTION: a choice offers each step once', () => {
    const twice = doc({
      identify: { kind: 'identify', identifierTypes: ['email'], next: 'pick' },
      pick: { kind: 'choice', none: 'deny', options: [{ step: 'password' }, { step: 'password' }] },
      password: factor('password'),
    });
    expect(found(validate(twice, ALL))).toEqual([['DUPLICATE_OPTION', 'pick']]);
  });

  it('UNREACHABLE_STEP: every step can be reached from the start', () => {
    const problems = validate(doc({ password: factor('password'), email: factor('email_otp') }), ALL);
    expect(found(problems)).toEqual([['UNREACHABLE_STEP', 'email']]);
    expect(problems[0]?.message).toBe('step "email" cannot be reached from "identify"');
  });

  it('NEVER_ENDS: every step has a path to complete or deny (a step with maxVisits is a way out)', () => {
    const circle = (bound: Record<string, unknown>) =>
      doc({
        password: factor('password', 'check'),
        check: { kind: 'branch', cases: [{ when: { holds: 'totp' }, next: 'retry' }], otherwise: 'retry' },
        retry: { kind: 'choice', none: 'check', options: [{ step: 'totp', when: { holds: 'totp' } }], ...bound },
        totp: factor('totp', 'check', { locked: 'check' }),
      });
    const problems = validate(circle({}), ALL);
    expect(found(problems)).toEqual([
      ['NEVER_ENDS', 'check'],
      ['NEVER_ENDS', 'retry'],
      ['NEVER_ENDS', 'totp'],
      ['NO_COMPLETE', null],
      ['UNBOUNDED_LOOP', 'check'],
      ['SAME_FACTOR_TWICE', 'totp'],
    ]);
    expect(problems[0]?.message).toBe('from step "check" no path ends (it only leads to "retry", "totp")');
    expect(found(validate(circle({ maxVisits: 3 }), ALL))).toEqual([
      ['NO_COMPLETE', null],
      ['SAME_FACTOR_TWICE', 'totp'],
    ]);
  });

  it('NO_COMPLETE: some path completes the journey', () => {
    expect(found(validate(doc({ password: factor('password', 'deny') }), ALL))).toEqual([['NO_COMPLETE', null]]);
  });

  it('COMPLETES_WITHOUT_FACTOR: every path to complete passes a factor step', () => {
    const bare = doc({
      identify: { kind: 'identify', identifierTypes: ['email'], next: 'check' },
      check: { kind: 'branch', cases: [{ when: { holds: 'password' }, next: 'password' }], otherwise: 'complete' },
      password: factor('password'),
    });
    const problems = validate(bare, ALL);
    expect(found(problems)).toEqual([['COMPLETES_WITHOUT_FACTOR', 'check']]);
    expect(problems[0]?.message).toBe('"identify" → "check" → complete proves nothing: every path to complete must pass a factor step');
    expect(problems[0]?.path).toEqual(['identify', 'check', 'complete']);
  });

  it('FACTOR_NOT_ENABLED: every factor step uses a factor the app has enabled', () => {
    const problems = validate(fixture('password-then-code'), ['password', 'totp']);
    expect(found(problems)).toEqual([['FACTOR_NOT_ENABLED', 'sms']]);
    expect(problems[0]?.message).toBe('step "sms" uses sms (sms), which the app has not enabled');
    expect(validate(fixture('password-then-code'), ['password', 'totp', 'sms'])).toEqual([]);
  });

  it('UNKNOWN_RESOURCE: a resource a condition tests is one the app lists (when the caller names them)', () => {
    const byResource = doc({
      password: factor('password', 'check'),
      check: { kind: 'branch', cases: [{ when: { resourceIn: ['https://bank.example/pay', 'https://x.example'] }, next: 'totp' }], otherwise: 'complete' },
      totp: factor('totp'),
    });
    const problems = validate(byResource, ALL, { resources: ['https://bank.example/pay'] });
    expect(found(problems)).toEqual([['UNKNOWN_RESOURCE', 'check']]);
    expect(problems[0]?.message).toBe('step "check" tests resource "https://x.example", which the app does not list');
    expect(validate(byResource, ALL, { resources: ['https://bank.example/pay', 'https://x.example'] })).toEqual([]);
    expect(validate(byResource, ALL)).toEqual([]);
  });

  it('UNBOUNDED_LOOP: every loop holds a step with maxVisits', () => {
    const loop = (bound: Record<string, unknown>) => doc({ password: factor('password', 'complete', { failed: 'link' }), link: factor('magic_link', 'complete', { failed: 'password', ...bound }) });
    const problems = validate(loop({}), ALL);
    expect(problems).toEqual([
      { code: 'UNBOUNDED_LOOP', severity: 'error', message: 'steps "password", "link" form a loop with no maxVisits: give one of them maxVisits', step: 'password', path: ['password', 'link'] },
    ]);
    expect(validate(loop({ maxVisits: 2 }), ALL)).toEqual([]);
    const itself = validate(doc({ password: factor('password', 'complete', { failed: 'password' }) }), ALL);
    expect(itself.map((problem) => problem.message)).toEqual(['step "password" leads back to itself with no maxVisits: give one of them maxVisits']);
    expect(validate(doc({ password: factor('password', 'complete', { failed: 'password', maxVisits: 3 }) }), ALL)).toEqual([]);
  });

  it('CONTRADICTION (warning): an option or case whose condition can never hold', () => {
    const never = { all: [{ holds: 'totp' }, { not: { holds: 'totp' } }] };
    const choice = doc({
      password: factor('password', 'second'),
      second: { kind: 'choice', none: 'deny', options: [{ step: 'totp', when: never }, { step: 'sms' }] },
      totp: factor('totp'),
      sms: factor('sms'),
    });
    const problems = validate(choice, ALL);
    expect(problems).toEqual([
      { code: 'CONTRADICTION', severity: 'warning', message: 'option "totp" of "second" is never offered: its condition can never hold', step: 'second', path: ['second', 'totp'] },
    ]);
    expect(publishable(problems)).toBe(true);
    const branch = doc({ password: factor('password', 'check'), check: { kind: 'branch', cases: [{ when: never, next: 'totp' }], otherwise: 'complete' }, totp: factor('totp') });
    expect(found(validate(branch, ALL))).toEqual([['CONTRADICTION', 'check']]);
  });

  it('SHADOWED_CASE (warning): a branch case never taken because earlier cases hold whenever it does', () => {
    const cases = (second: unknown) => [
      { when: { holds: 'totp' }, next: 'totp' },
      { when: second, next: 'sms' },
    ];
    const branch = (second: unknown) =>
      doc({ password: factor('password', 'check'), check: { kind: 'branch', cases: cases(second), otherwise: 'complete' }, totp: factor('totp'), sms: factor('sms') });
    const problems = validate(branch({ all: [{ holds: 'totp' }, { has: 'phone' }] }), ALL);
    expect(problems.map((problem) => [problem.code, problem.message])).toEqual([['SHADOWED_CASE', 'case 2 of "check" is never taken: an earlier case holds whenever it does']]);
    expect(validate(branch({ has: 'phone' }), ALL)).toEqual([]);
  });

  it('SAME_FACTOR_TWICE (warning): a path proving one method twice, unless a condition rules it out', () => {
    const twice = (when?: unknown) =>
      doc({
        password: factor('password', 'second'),
        second: { kind: 'choice', none: 'deny', options: [{ step: 'again', ...(when === undefined ? {} : { when }) }, { step: 'totp' }] },
        again: factor('password'),
        totp: factor('totp'),
      });
    const problems = validate(twice(), ALL);
    expect(problems.map((problem) => [problem.code, problem.step, problem.message])).toEqual([
      ['SAME_FACTOR_TWICE', 'again', '"again" after "password": both prove pwd, and amr shows one method once'],
    ]);
    expect(validate(twice({ not: { proved: 'pwd' } }), ALL)).toEqual([]);
  });

  it('runs the path rules only once every name is right, and is deterministic', () => {
    const dangling = fixture('password-then-code-dangling');
    expect(codes(validate(dangling, ['password']))).toEqual(['DANGLING_TARGET', 'FACTOR_NOT_ENABLED', 'FACTOR_NOT_ENABLED']);
    expect(validate(dangling, ['password'])).toEqual(validate(structuredClone(dangling), ['password']));
  });

  it('publishable: errors block publishing, warnings do not', () => {
    expect(publishable(validate(fixture('password-then-code-dangling'), ALL))).toBe(false);
    expect(publishable(validate(fixture('password-then-code'), ALL))).toBe(true);
  });
});
