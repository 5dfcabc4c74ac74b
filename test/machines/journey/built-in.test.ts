import { describe, expect, it } from 'vitest';
import { builtInJourneys, singleFactor, stepUp, twoFactor } from '../../../machines/journey/built-in.js';
import { FACTORS, type Factor, type JourneyDocument } from '../../../machines/journey/document.js';
import { validate } from '../../../machines/journey/validate.js';

// Today's behaviours as journeys (design note i19 §1.2, §4): generated from the factors an app has
// enabled, each valid for that app: no problem at all, warnings included.

const ENABLED_SETS: readonly (readonly Factor[])[] = [
  FACTORS,
  ['password'],
  ['password', 'totp'],
  ['password', 'sms', 'email_otp'],
  ['sms', 'email_otp', 'magic_link'],
  ['magic_link', 'passkey'],
  ['totp'],
];

const factorsOf = (doc: JourneyDocument) => Object.values(doc.steps).flatMap((step) => (step.kind === 'factor' ? [step.factor] : []));

describe('built-in journeys', () => {
  it.each(ENABLED_SETS.map((enabled) => [enabled.join(', '), enabled]))('are valid for an app enabling %s, and use only those factors', (_name, enabled) => {
    const journeys = builtInJourneys(enabled);
    expect(journeys.length).toBeGreaterThan(0);
    for (const doc of journeys) {
      expect(validate(doc, enabled), doc.key).toEqual([]);
      expect(
        factorsOf(doc).every((factor) => enabled.includes(factor)),
        doc.key,
      ).toBe(true);
    }
  });

  it('single-factor with every factor is the document of §1.2', () => {
    expect(singleFactor(FACTORS)).toEqual({
      format: 'keystate.journey/1',
      key: 'single-factor',
      title: "One factor (today's login)",
      ttlSeconds: 900,
      start: 'identify',
      steps: {
        identify: { kind: 'identify', identifierTypes: ['email', 'phone_number', 'username'], next: 'factor' },
        factor: {
          kind: 'choice',
          none: 'deny',
          options: [
            { step: 'password' },
            { step: 'emailCode', when: { has: 'email' } },
            { step: 'sms', when: { has: 'phone' } },
            { step: 'link', when: { has: 'email' } },
            { step: 'totp', when: { holds: 'totp' } },
            { step: 'passkey', when: { holds: 'passkey' } },
          ],
        },
        password: { kind: 'factor', factor: 'password', passed: 'complete', locked: 'deny' },
        emailCode: { kind: 'factor', factor: 'email_otp', passed: 'complete', locked: 'deny' },
        sms: { kind: 'factor', factor: 'sms', passed: 'complete', locked: 'deny' },
        link: { kind: 'factor', factor: 'magic_link', passed: 'complete', locked: 'deny' },
        totp: { kind: 'factor', factor: 'totp', passed: 'complete', locked: 'deny' },
        passkey: { kind: 'factor', factor: 'passkey', passed: 'complete', locked: 'deny' },
      },
    });
  });

  it('single-factor drops the options of factors the app has not enabled', () => {
    const doc = singleFactor(['password', 'totp']);
    expect(doc?.steps.factor).toEqual({ kind: 'choice', none: 'deny', options: [{ step: 'password' }, { step: 'totp', when: { holds: 'totp' } }] });
    expect(Object.keys(doc?.steps ?? {})).toEqual(['identify', 'factor', 'password', 'totp']);
  });

  it('two-factor offers as second factor only another method, restricted to login_preferences.mfa.methods', () => {
    const doc = twoFactor(['password', 'sms', 'totp'], { mfaMethods: ['totp', 'sms'] });
    expect(doc?.steps.password).toEqual({ kind: 'factor', factor: 'password', passed: 'second', locked: 'deny' });
    expect(doc?.steps.second).toEqual({
      kind: 'choice',
      none: 'deny',
      options: [
        { step: 'secondSms', when: { all: [{ not: { proved: 'sms' } }, { has: 'phone' }] } },
        { step: 'secondTotp', when: { all: [{ not: { proved: 'totp' } }, { holds: 'totp' }] } },
      ],
    });
    expect(doc?.steps.secondTotp).toEqual({ kind: 'factor', factor: 'totp', passed: 'complete', locked: 'deny' });
    expect(doc === null ? [] : validate(doc, ['password', 'sms', 'totp'])).toEqual([]);
  });

  it('two-factor is left out when it could only deny: one factor, or no permitted second', () => {
    expect(twoFactor(['password'])).toBeNull();
    expect(twoFactor(['password', 'sms'], { mfaMethods: ['webauthn'] })).toBeNull();
    expect(builtInJourneys(['password']).map((doc) => doc.key)).toEqual(['single-factor', 'step-up']);
    expect(builtInJourneys(FACTORS).map((doc) => doc.key)).toEqual(['single-factor', 'two-factor', 'step-up']);
    expect(builtInJourneys([])).toEqual([]);
  });

  it('step-up denies a start without a session, and offers the factors the session does not hold', () => {
    const doc = stepUp(['password', 'totp']);
    expect(doc?.steps.session).toEqual({ kind: 'branch', cases: [{ when: { session: 'named' }, next: 'factor' }], otherwise: 'deny' });
    expect(doc?.steps.factor).toEqual({
      kind: 'choice',
      none: 'deny',
      options: [
        { step: 'password', when: { not: { sessionHas: 'pwd' } } },
        { step: 'totp', when: { all: [{ not: { sessionHas: 'totp' } }, { holds: 'totp' }] } },
      ],
    });
  });
});
