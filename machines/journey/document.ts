import { type Static, Type } from 'typebox';
import type { AuthMethod } from '../shared/events.js';

// A login journey as data (issue 19 point 1; design note i19 §1.1): the steps an app's users go
// through, the facts that pick among them and where each outcome leads. This schema is the one
// declaration of the format: the validator checks documents against it (validate.ts), the built-in
// journeys are written in it (built-in.ts), and docs/journeys.md is to be generated from the
// descriptions below, so every field says what it means. Nothing here is free text but `title` and
// `label` (one line each), nothing is a URL but `resourceIn`, and nothing can hold a secret.

const closed = { additionalProperties: false } as const;

/** The factors a journey can ask for, in the order the built-in single-factor journey offers them. */
export const FACTORS = ['password', 'sms', 'email_otp', 'magic_link', 'totp', 'passkey'] as const;
export type Factor = (typeof FACTORS)[number];

/** The amr method each factor proves (what a session's amr lists once the factor passed). */
export const FACTOR_METHODS: Readonly<Record<Factor, AuthMethod>> = {
  password: 'pwd',
  sms: 'sms',
  email_otp: 'eotp',
  magic_link: 'eml',
  totp: 'totp',
  passkey: 'webauthn',
};

/** The amr methods a fact may name (machines/shared/events.ts). */
const METHODS = ['eml', 'eotp', 'sms', 'totp', 'otp', 'pwd', 'webauthn'] as const satisfies readonly AuthMethod[];
// Fails to compile when the machines learn a method this list does not name yet (as AMR_METHODS does).
type MissingMethods = Exclude<AuthMethod, (typeof METHODS)[number]>;
const everyMethodListed: [MissingMethods] extends [never] ? true : MissingMethods = true;
void everyMethodListed;

/** One line of text people read: no control characters. */
const oneLine = '^[^\\u0000-\\u001f\\u007f]+$';

/** A step id: camelCase, so it reads as a state name of the compiled chart. */
export const STEP_ID_PATTERN = '^[a-z][a-zA-Z0-9]{0,31}$';

const StepId = Type.String({
  pattern: STEP_ID_PATTERN,
  description: 'A step id: a lowercase letter then up to 31 letters or digits (camelCase). "complete" and "deny" are reserved.',
});
const Target = Type.String({
  pattern: STEP_ID_PATTERN,
  description: 'Where an outcome leads: a step id, or "complete" (the journey ends with tokens) or "deny" (it ends refused).',
});
const FactorShape = Type.Enum([...FACTORS], { description: 'A factor: password, sms (a code by text message), email_otp (a code by email), magic_link, totp (an authenticator app) or passkey.' });
const Method = Type.Enum([...METHODS], { description: 'An amr method: eml (magic link), eotp (email code), sms, totp, otp, pwd (password) or webauthn (passkey).' });

/** Facts a condition may test: all loaded by the use case at the start and handed to the journey as
 * its input; the machine never reads them from anywhere. */
const Fact = Type.Union(
  [
    Type.Object(
      { holds: Type.Union([Type.Literal('password'), Type.Literal('totp'), Type.Literal('passkey')], { description: 'The user holds a live credential of this kind.' }) },
      { ...closed, description: 'True when the user holds a live credential of the kind named.' },
    ),
    Type.Object(
      { has: Type.Union([Type.Literal('email'), Type.Literal('phone')], { description: 'The user has an address of this kind.' }) },
      { ...closed, description: 'True when the user has an email address or a phone number.' },
    ),
    Type.Object({ policy: Type.Literal('mfa', { description: "The app's login_preferences.mfa.required." }) }, { ...closed, description: 'True when the app requires two factors.' }),
    Type.Object(
      {
        resourceIn: Type.Array(Type.String({ minLength: 1, maxLength: 2048, description: 'A resource the app lists.' }), {
          minItems: 1,
          maxItems: 20,
          uniqueItems: true,
          description: 'The resources that make the fact true.',
        }),
      },
      { ...closed, description: 'True when the start requested one of these resources.' },
    ),
    Type.Object(
      { session: Type.Literal('named', { description: 'The start named a session_id.' }) },
      { ...closed, description: 'True when the start named a session (whether it is usable is the session machine’s verdict).' },
    ),
    Type.Object({ sessionHas: Method }, { ...closed, description: 'True when the session the start named already holds this method.' }),
    Type.Object({ proved: Method }, { ...closed, description: 'True when this journey has already proved this method.' }),
  ],
  { description: 'A fact about the user, the app or the request, fixed when the journey starts.' },
);
export type Fact = Static<typeof Fact>;

// Nesting is written out rather than recursive: at most three levels, so a condition stays small and
// so does the guard compiled from it.
const C1 = Type.Union([Fact, Type.Object({ not: Fact }, { ...closed, description: 'True when the fact is false.' })], { description: 'A fact, or its negation.' });
const C2 = Type.Union(
  [
    C1,
    Type.Object({ all: Type.Array(C1, { minItems: 1, maxItems: 6, description: 'Up to six facts or negated facts.' }) }, { ...closed, description: 'True when every condition listed is true.' }),
    Type.Object(
      { any: Type.Array(C1, { minItems: 1, maxItems: 6, description: 'Up to six facts or negated facts.' }) },
      { ...closed, description: 'True when at least one condition listed is true.' },
    ),
  ],
  { description: 'A fact or its negation, or all or any of a list of them.' },
);
export const Condition = Type.Union([C2, Type.Object({ not: C2 }, { ...closed, description: 'True when the condition is false.' })], {
  description: 'A condition on facts: a fact, its negation, all or any of a list, nested at most three levels.',
});
export type Condition = Static<typeof Condition>;

const maxVisits = Type.Optional(Type.Integer({ minimum: 1, maximum: 5, description: 'How many times a journey may enter this step: the bound that makes a loop through it end.' }));
const label = Type.Optional(Type.String({ minLength: 1, maxLength: 60, pattern: oneLine, description: 'What the designer shows for this step (one line).' }));

const Identify = Type.Object(
  {
    kind: Type.Literal('identify', { description: 'An identify step.' }),
    identifierTypes: Type.Array(Type.Union([Type.Literal('email'), Type.Literal('phone_number'), Type.Literal('username')], { description: 'email, phone_number or username.' }), {
      minItems: 1,
      uniqueItems: true,
      description: 'The kinds of identifier the start accepts.',
    }),
    next: Target,
    label,
  },
  { ...closed, description: 'Identifies the user from the identifier the start names: the first step of every journey.' },
);
const FactorStep = Type.Object(
  {
    kind: Type.Literal('factor', { description: 'A factor step.' }),
    factor: FactorShape,
    passed: { ...Target, description: "Where the journey goes when the factor's machine reaches its verdict." },
    failed: Type.Optional({
      ...Target,
      description: "Where a refused proof leads while attempts remain. Absent: the step stays and answers the factor's own refusal.",
    }),
    locked: { ...Target, description: "Where the journey goes when the factor's machine locks out." },
    maxVisits,
    label,
  },
  { ...closed, description: 'Asks the user to prove one factor.' },
);
const Option = Type.Object(
  { step: { ...StepId, description: 'A factor step offered.' }, when: Type.Optional({ ...Condition, description: 'Offered only when this holds (absent: always).' }) },
  { ...closed, description: 'One factor a choice may offer.' },
);
const Choice = Type.Object(
  {
    kind: Type.Literal('choice', { description: 'A choice step.' }),
    options: Type.Array(Option, { minItems: 1, maxItems: 6, description: 'The factor steps offered, each when its condition holds.' }),
    none: { ...Target, description: 'Where the journey goes when no option is offered.' },
    maxVisits,
    label,
  },
  { ...closed, description: 'Offers the user the options whose condition holds: one left is taken at once, none leads to `none`.' },
);
const Case = Type.Object({ when: Condition, next: { ...Target, description: 'Where the journey goes when the condition holds.' } }, { ...closed, description: 'One case of a branch.' });
const Branch = Type.Object(
  {
    kind: Type.Literal('branch', { description: 'A branch step.' }),
    cases: Type.Array(Case, { minItems: 1, maxItems: 8, description: 'Tried in order: the first whose condition holds is taken.' }),
    otherwise: { ...Target, description: 'Where the journey goes when no case holds.' },
    label,
  },
  { ...closed, description: 'Goes on without asking the user, by the first case whose condition holds.' },
);

/** Every kind of step, by its `kind`: the validator checks a step against its own kind's schema. */
export const STEP_SHAPES = { identify: Identify, factor: FactorStep, choice: Choice, branch: Branch } as const;
export const Step = Type.Union([Identify, FactorStep, Choice, Branch], { description: 'A step: identify, factor, choice or branch.' });
export type Step = Static<typeof Step>;

export const JOURNEY_FORMAT = 'keystate.journey/1';

export const JourneyDocument = Type.Object(
  {
    format: Type.Literal(JOURNEY_FORMAT, { description: 'The version of this format; a later one comes with a migration.' }),
    key: Type.String({ pattern: '^[a-z][a-z0-9-]{1,47}$', description: "The journey's name within its app: lowercase letters, digits and dashes." }),
    title: Type.String({ minLength: 1, maxLength: 80, pattern: oneLine, description: 'What people call the journey (one line).' }),
    ttlSeconds: Type.Integer({ minimum: 60, maximum: 3600, default: 900, description: 'How long a started journey may take, in seconds.' }),
    start: { ...StepId, description: 'The first step: an identify step.' },
    steps: Type.Record(StepId, Step, { additionalProperties: false, minProperties: 2, maxProperties: 32, description: 'The steps by id.' }),
  },
  { ...closed, description: 'A login journey: steps, conditions on facts, outcomes (docs/journeys.md).' },
);
export type JourneyDocument = Static<typeof JourneyDocument>;
