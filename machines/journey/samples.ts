import type { Refusal } from '../shared/answers.js';
import { atomKey, factsOf } from './conditions.js';
import type { JourneyFacts, JourneyInput } from './context.js';
import { type Condition, type Fact, FACTOR_METHODS, type Factor, type JourneyDocument } from './document.js';
import type { JourneyEvent } from './events.js';

// Sample inputs and events for a compiled journey (design note i19 §2.6): between them, a walk
// reaches every state and every transition of its chart (test/machines/journey/compile.test.ts
// requires 100 %; the simulator offers them as choices, as src/visualizer/samples.ts does for the
// charts in code). Inputs vary the facts the document's conditions test; events are every outcome
// of every step, a choice of every option and of none, a step out of turn, and each kind of event
// once the journey has expired.

export interface JourneySamples {
  readonly inputs: readonly JourneyInput[];
  readonly events: readonly JourneyEvent[];
}

/** The instant samples start at (src/visualizer/samples.ts SAMPLE_T0: machines import nothing of src/). */
const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const USER = 'user-1';
/** Every fact set is tried when a document tests this many facts or fewer (2^8 inputs at most). */
const ALL_BELOW = 8;
/** Above: the fact sets at most this many facts away from all false or all true. */
const MAX_CHANGED = 3;

/** What a factor refuses a wrong proof with (the step's `.refused` answers it). */
const WRONG: Readonly<Record<Factor, Refusal>> = {
  password: 'PASSWORD_INVALID_CREDENTIALS',
  sms: 'OTP_INVALID_CREDENTIALS',
  email_otp: 'OTP_INVALID_CREDENTIALS',
  magic_link: 'MAGIC_LINK_CODE_INVALID',
  totp: 'OTP_INVALID_CREDENTIALS',
  passkey: 'WEBAUTHN_CREDENTIAL_NOT_FOUND',
};
const VERIFIES: Readonly<Record<Factor, 'email' | 'phone' | null>> = { password: null, sms: 'phone', email_otp: 'email', magic_link: 'email', totp: null, passkey: null };

/** The facts a start loads that the document's conditions test (`proved` is the journey's own doing). */
function inputFacts(doc: JourneyDocument): Fact[] {
  const conditions: Condition[] = Object.values(doc.steps).flatMap((step) =>
    step.kind === 'choice' ? step.options.flatMap((option) => (option.when === undefined ? [] : [option.when])) : step.kind === 'branch' ? step.cases.map((entry) => entry.when) : [],
  );
  const facts = conditions.flatMap(factsOf).filter((fact) => !('proved' in fact));
  return facts.filter((fact, index) => facts.findIndex((other) => atomKey(other) === atomKey(fact)) === index);
}

/** The facts of a start where exactly the facts listed hold. */
function factsWhere(holding: readonly Fact[]): JourneyFacts {
  const holds = (kind: 'password' | 'totp' | 'passkey') => holding.some((fact) => 'holds' in fact && fact.holds === kind);
  const has = (kind: 'email' | 'phone') => holding.some((fact) => 'has' in fact && fact.has === kind);
  return {
    holds: { password: holds('password'), totp: holds('totp'), passkey: holds('passkey') },
    has: { email: has('email'), phone: has('phone') },
    mfaPolicy: holding.some((fact) => 'policy' in fact),
    resource: holding.flatMap((fact) => ('resourceIn' in fact ? fact.resourceIn : []))[0] ?? null,
    sessionNamed: holding.some((fact) => 'session' in fact),
    sessionMethods: holding.flatMap((fact) => ('sessionHas' in fact ? [fact.sessionHas] : [])),
  };
}

/** Which facts hold in each sample: every subset, or those near none and near all. */
function subsets(facts: readonly Fact[]): Fact[][] {
  const all = Array.from({ length: 2 ** Math.min(facts.length, 30) }, (_, row) => row);
  const size = (row: number) => facts.filter((_, bit) => (row & (1 << bit)) !== 0).length;
  const kept = facts.length <= ALL_BELOW ? all : all.filter((row) => size(row) <= MAX_CHANGED || size(row) >= facts.length - MAX_CHANGED);
  return kept.map((row) => facts.filter((_, bit) => (row & (1 << bit)) !== 0));
}

function sampleInputs(doc: JourneyDocument): JourneyInput[] {
  const base = { journeyKey: doc.key, version: 1, userId: USER, startedAt: T0, expiresAt: T0 + doc.ttlSeconds * 1000 };
  return subsets(inputFacts(doc)).map((holding) => ({ ...base, facts: factsWhere(holding) }));
}

function sampleEvents(doc: JourneyDocument): JourneyEvent[] {
  const at = T0 + 60_000;
  const late = T0 + doc.ttlSeconds * 1000;
  const ids = Object.keys(doc.steps);
  const outcomes = Object.entries(doc.steps).flatMap(([step, entry]): JourneyEvent[] => {
    if (entry.kind === 'choice') return [...entry.options.map((option) => ({ type: 'step.choose' as const, step, option: option.step, at })), { type: 'step.choose', step, option: 'complete', at }];
    if (entry.kind !== 'factor') return [];
    const passed = { type: 'factor.passed' as const, step, method: FACTOR_METHODS[entry.factor], verifies: VERIFIES[entry.factor], userId: USER, at };
    return [
      { type: 'factor.started', step, flowId: `flow-${step}`, at },
      passed,
      ...(entry.factor === 'passkey' ? [{ ...passed, userId: 'user-2' }] : []),
      { type: 'factor.refused', step, refusal: WRONG[entry.factor], at },
      { type: 'factor.locked', step, at },
      { type: 'factor.foreign', step, at },
    ];
  });
  // 'complete' is never a step: a check or a choice naming it is out of turn wherever the journey is.
  const checks: JourneyEvent[] = [...[...ids, 'complete'].map((step): JourneyEvent => ({ type: 'step.check', step, at })), { type: 'step.choose', step: 'complete', option: 'complete', at }];
  const step = ids[0] ?? 'complete';
  const expired: JourneyEvent[] = [
    { type: 'step.check', step, at: late },
    { type: 'step.choose', step, option: step, at: late },
    { type: 'factor.started', step, flowId: 'flow-late', at: late },
    { type: 'factor.passed', step, method: 'pwd', verifies: null, userId: USER, at: late },
    { type: 'factor.refused', step, refusal: 'INTERNAL', at: late },
    { type: 'factor.locked', step, at: late },
    { type: 'factor.foreign', step, at: late },
  ];
  return [...outcomes, ...checks, ...expired];
}

export function journeySamples(doc: JourneyDocument): JourneySamples {
  return { inputs: sampleInputs(doc), events: sampleEvents(doc) };
}
