import type { AuthMethod } from '../shared/events.js';
import { type Condition, type Fact, type Factor, FACTOR_METHODS, JOURNEY_FORMAT, type JourneyDocument, type Step } from './document.js';

// Today's behaviours as journeys (issue 19 point 2; design note i19 §1.2 and §4): generated per
// app from the factors it has enabled, so an app that turns a journey on gets what it has today.
// Only enabled factors appear (a built-in always validates for its app), and a journey that cannot
// be built from them is left out rather than built to deny everyone.
//   single-factor  identify, then a choice of one factor the user can use: today's login.
//   two-factor     a first factor, then a second of another method (restricted to the app's
//                  login_preferences.mfa.methods when set): "login_preferences.mfa required".
//   step-up        a session is named, then a factor that session does not hold yet: what
//                  `step_up_required: true` tells an app to do.

/** What a built-in needs to know of the app. */
export interface BuiltInOptions {
  /** login_preferences.mfa.methods: the second factor's method must be one of these (absent or empty: any). */
  readonly mfaMethods?: readonly AuthMethod[];
}

/** Each factor's step id and the fact that makes it usable for a user (none: always offered, as today). */
const FACTOR_STEPS: readonly { readonly factor: Factor; readonly id: string; readonly usable?: Fact }[] = [
  { factor: 'password', id: 'password' },
  { factor: 'email_otp', id: 'emailCode', usable: { has: 'email' } },
  { factor: 'sms', id: 'sms', usable: { has: 'phone' } },
  { factor: 'magic_link', id: 'link', usable: { has: 'email' } },
  { factor: 'totp', id: 'totp', usable: { holds: 'totp' } },
  { factor: 'passkey', id: 'passkey', usable: { holds: 'passkey' } },
];

type Steps = JourneyDocument['steps'];
type FactorEntry = (typeof FACTOR_STEPS)[number];

const identify = (next: string): Step => ({ kind: 'identify', identifierTypes: ['email', 'phone_number', 'username'], next });

function journey(key: string, title: string, steps: Steps): JourneyDocument {
  return { format: JOURNEY_FORMAT, key, title, ttlSeconds: 900, start: 'identify', steps };
}

/** A factor step per entry (its id prefixed, for a second round), each passing to `passed`. */
function factorSteps(entries: readonly FactorEntry[], passed: string, prefix = ''): Steps {
  return Object.fromEntries(entries.map((entry) => [stepId(prefix, entry.id), { kind: 'factor', factor: entry.factor, passed, locked: 'deny' } satisfies Step]));
}

/** A choice offering each entry's step when `when(entry)` holds (undefined: always). */
function choice(entries: readonly FactorEntry[], when: (entry: FactorEntry) => Condition | undefined, prefix = ''): Step {
  const options = entries.map((entry) => {
    const condition = when(entry);
    return condition === undefined ? { step: stepId(prefix, entry.id) } : { step: stepId(prefix, entry.id), when: condition };
  });
  return { kind: 'choice', none: 'deny', options };
}

const stepId = (prefix: string, id: string): string => (prefix === '' ? id : `${prefix}${id.charAt(0).toUpperCase()}${id.slice(1)}`);

/** `condition`, and the entry usable. */
function usableAnd(entry: FactorEntry, condition: Fact | { not: Fact }): Condition {
  return entry.usable === undefined ? condition : { all: [condition, entry.usable] };
}

/** Today's login: identify, then any one factor the user can use (§1.2). */
export function singleFactor(enabled: readonly Factor[]): JourneyDocument | null {
  const entries = FACTOR_STEPS.filter((entry) => enabled.includes(entry.factor));
  if (entries.length === 0) return null;
  return journey('single-factor', "One factor (today's login)", { identify: identify('factor'), factor: choice(entries, (entry) => entry.usable), ...factorSteps(entries, 'complete') });
}

/** login_preferences.mfa required: a first factor, then a second of another method (§4 item 2). */
export function twoFactor(enabled: readonly Factor[], options: BuiltInOptions = {}): JourneyDocument | null {
  const entries = FACTOR_STEPS.filter((entry) => enabled.includes(entry.factor));
  const methods = options.mfaMethods ?? [];
  const seconds = entries.filter((entry) => methods.length === 0 || methods.includes(FACTOR_METHODS[entry.factor]));
  // Two factors at least, one of them a permitted second: otherwise the journey could only deny.
  if (entries.length < 2 || seconds.length === 0) return null;
  const another = (entry: FactorEntry) => usableAnd(entry, { not: { proved: FACTOR_METHODS[entry.factor] } });
  return journey('two-factor', 'Two factors (login_preferences.mfa required)', {
    identify: identify('factor'),
    factor: choice(entries, (entry) => entry.usable),
    ...factorSteps(entries, 'second'),
    second: choice(seconds, another, 'second'),
    ...factorSteps(seconds, 'complete', 'second'),
  });
}

/** Step-up: the start names a session, then a factor that session does not hold (§4 item 2). */
export function stepUp(enabled: readonly Factor[]): JourneyDocument | null {
  const entries = FACTOR_STEPS.filter((entry) => enabled.includes(entry.factor));
  if (entries.length === 0) return null;
  const notHeld = (entry: FactorEntry) => usableAnd(entry, { not: { sessionHas: FACTOR_METHODS[entry.factor] } });
  return journey('step-up', 'Step up a session', {
    identify: identify('session'),
    // Without a session there is nothing to step up: the start is refused.
    session: { kind: 'branch', cases: [{ when: { session: 'named' }, next: 'factor' }], otherwise: 'deny' },
    factor: choice(entries, notHeld),
    ...factorSteps(entries, 'complete'),
  });
}

/** Every built-in journey the app's factors allow, in a fixed order. */
export function builtInJourneys(enabled: readonly Factor[], options: BuiltInOptions = {}): JourneyDocument[] {
  return [singleFactor(enabled), twoFactor(enabled, options), stepUp(enabled)].filter((doc) => doc !== null);
}
