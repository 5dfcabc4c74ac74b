import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { atomKey, evaluate } from '../../../machines/journey/conditions.js';
import { type Fact, FACTOR_METHODS, FACTORS, JourneyDocument } from '../../../machines/journey/document.js';
import { fixture } from './fixtures.js';

// The journey document's schema (design note i19 §1.1): what it accepts and refuses, and the
// descriptions docs/journeys.md is to be generated from.

const valid = () => {
  const doc = fixture('password-then-code');
  if (!Value.Check(JourneyDocument, doc)) throw new Error('the fixture no longer fits the schema');
  return doc;
};

/** Every place in a schema where a field or a form has no description, as a path. */
function undescribed(schema: unknown, path: string): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const node = Object.fromEntries(Object.entries(schema));
  const own = typeof node.description === 'string' ? [] : [path];
  const children: [string, unknown][] = [
    ...Object.entries(node.properties ?? {}).map(([name, child]): [string, unknown] => [`${path}.${name}`, child]),
    ...Object.values(node.patternProperties ?? {}).map((child): [string, unknown] => [`${path}.<id>`, child]),
    ...(Array.isArray(node.anyOf) ? node.anyOf.map((child, index): [string, unknown] => [`${path}|${index}`, child]) : []),
    ...(node.items === undefined ? [] : [[`${path}[]`, node.items] satisfies [string, unknown]]),
  ];
  // A literal inside a union of literals is described by its union.
  const literalOfUnion = 'const' in node && /\|\d+$/.test(path);
  return [...(literalOfUnion ? [] : own), ...children.flatMap(([where, child]) => undescribed(child, where))];
}

describe('journey document schema', () => {
  it('describes every field and every form, for the generated reference', () => {
    expect(undescribed(JourneyDocument, 'journey')).toEqual([]);
  });

  it('names the amr method of every factor, each a different one', () => {
    expect(Object.keys(FACTOR_METHODS).sort()).toEqual([...FACTORS].sort());
    expect(new Set(Object.values(FACTOR_METHODS)).size).toBe(FACTORS.length);
  });

  it('accepts the fixture of §1.3 and the labels and bounds the designer sets', () => {
    const doc = valid();
    expect(
      Value.Check(JourneyDocument, {
        ...doc,
        steps: { ...doc.steps, password: { kind: 'factor', factor: 'password', passed: 'second', locked: 'deny', failed: 'deny', maxVisits: 5, label: 'Your password' } },
      }),
    ).toBe(true);
  });

  it('§1.3: after the password, a user with TOTP is offered only TOTP, one with a phone only SMS, one with neither nothing', () => {
    const second = valid().steps.second;
    if (second?.kind !== 'choice') throw new Error('the fixture lost its choice');
    const offered = (facts: readonly Fact[]) => {
      const known = new Map(facts.map((fact) => [atomKey(fact), true]));
      return second.options.filter((option) => option.when === undefined || evaluate(option.when, known)).map((option) => option.step);
    };
    expect(offered([{ holds: 'totp' }, { has: 'phone' }])).toEqual(['totp']);
    expect(offered([{ holds: 'totp' }])).toEqual(['totp']);
    expect(offered([{ has: 'phone' }, { has: 'email' }])).toEqual(['sms']);
    expect(offered([{ has: 'email' }])).toEqual([]);
  });

  it.each([
    ['another format', { format: 'keystate.journey/2' }],
    ['a key with capitals', { key: 'Password' }],
    ['a title over two lines', { title: 'Password\nthen a code' }],
    ['a ttl under a minute', { ttlSeconds: 59 }],
    ['a ttl over an hour', { ttlSeconds: 3601 }],
    ['a field of its own', { owner: 'me' }],
    ['a single step', { steps: { identify: { kind: 'identify', identifierTypes: ['email'], next: 'complete' } } }],
    ['33 steps', { steps: Object.fromEntries(Array.from({ length: 33 }, (_, index) => [`s${index}`, { kind: 'factor', factor: 'password', passed: 'complete', locked: 'deny' }])) }],
  ])('refuses %s', (_name, change) => {
    expect(Value.Check(JourneyDocument, { ...valid(), ...change })).toBe(false);
  });

  it.each([
    ['an unknown factor', { kind: 'factor', factor: 'fingerprint', passed: 'complete', locked: 'deny' }],
    ['a factor step with no lockout outcome', { kind: 'factor', factor: 'password', passed: 'complete' }],
    ['maxVisits above 5', { kind: 'factor', factor: 'password', passed: 'complete', locked: 'deny', maxVisits: 6 }],
    ['a label with a control character', { kind: 'factor', factor: 'password', passed: 'complete', locked: 'deny', label: 'a\u0007b' }],
    ['an empty choice', { kind: 'choice', none: 'deny', options: [] }],
    ['seven options', { kind: 'choice', none: 'deny', options: Array.from({ length: 7 }, () => ({ step: 'totp' })) }],
    ['a condition four levels deep', { kind: 'branch', cases: [{ when: { not: { all: [{ not: { not: { has: 'email' } } }] } }, next: 'totp' }], otherwise: 'deny' }],
    ['a fact about an unknown credential', { kind: 'branch', cases: [{ when: { holds: 'sms' }, next: 'totp' }], otherwise: 'deny' }],
    ['a resource list with a repeat', { kind: 'branch', cases: [{ when: { resourceIn: ['https://a', 'https://a'] }, next: 'totp' }], otherwise: 'deny' }],
    ['a method amr does not know', { kind: 'branch', cases: [{ when: { proved: 'mfa' }, next: 'totp' }], otherwise: 'deny' }],
  ])('refuses a step with %s', (_name, step) => {
    const doc = valid();
    expect(Value.Check(JourneyDocument, { ...doc, steps: { ...doc.steps, extra: step } })).toBe(false);
  });

  it('refuses a step id that is not camelCase from a lowercase letter', () => {
    const doc = valid();
    expect(Value.Check(JourneyDocument, { ...doc, steps: { ...doc.steps, 'Second-step': doc.steps.totp } })).toBe(false);
  });
});
