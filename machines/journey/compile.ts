import { Value } from 'typebox/value';
import type { Answers } from '../shared/answers.js';
import { journeyAnswers } from './answers.js';
import type { GuardJson, StateJson, TransitionJson } from './chart-json.js';
import type { JourneyContext } from './context.js';
import { type Condition, FACTORS, JourneyDocument, type Step } from './document.js';
import { provedSets, routesOf } from './routes.js';
import { type OptionParams, initialContext, journeySetup } from './runtime.js';
import { type JourneySamples, journeySamples } from './samples.js';
import { publishable, validate } from './validate.js';

// A journey document compiled to a statechart (issue 19 point 2; design note i19 §2.2). The output
// is configuration only, plain JSON naming the runtime's guards and actions with their params
// (runtime.ts), so what is stored for a published version rebuilds the very same machine. Shape:
//   begin       the identify step is done by the start request: straight on to its `next`
//   steps.<id>  one state per step: a factor step rests in awaiting (or sending, for a factor that
//               sends first) and refuses in refused | outOfTurn (| foreignProof | otherUser); a
//               choice routes at once (one option offered: taken; none: `none`) or rests in
//               choosing; a branch never rests
//   completed   done | reused;  denied  locked | noFactorOffered | ended | tooManyVisits | expired | reused
// Every handler first asks whether the journey has expired (expiry is data: `at` against expiresAt).

export interface CompiledJourney {
  /** The chart, as JSON: stored beside the document it came from. */
  readonly config: StateJson & { readonly id: 'journey' };
  readonly answers: Answers<string, JourneyContext>;
  /** A journey names no effect: the use case reads the state it reached. */
  readonly effects: readonly never[];
  readonly samples: JourneySamples;
}

/** The factors whose step starts by sending something (a code, a link, a ceremony's challenge). */
const SENDING = new Set(['sms', 'email_otp', 'magic_link', 'passkey']);

/** Why a `deny` target denies, by the outcome that leads there. */
type DenyReason = 'ended' | 'locked' | 'noFactorOffered';

const stepState = (id: string) => `#journey.steps.${id}`;
/** An outcome's target: a step (entered anew, even from itself: its visits count), or an end. */
function to(target: string, deny: DenyReason = 'ended'): TransitionJson {
  if (target === 'complete') return { target: '#journey.completed' };
  if (target === 'deny') return { target: `#journey.denied.${deny}` };
  return { target: stepState(target), reenter: true };
}

const expired: TransitionJson = { guard: 'isExpired', target: '#journey.denied.expired' };
const isStep = (step: string): GuardJson => ({ type: 'isStep', params: { step } });
const outOfTurn: readonly TransitionJson[] = [expired, { target: '.outOfTurn' }];
/** Each resting leaf of step `id` takes a check naming `id` where it is (nothing changes: the
 * client may go on); the step itself takes a check naming another step as out of turn. */
function checked(id: string, leaves: readonly string[]): Record<string, StateJson> {
  return Object.fromEntries(leaves.map((leaf) => [leaf, { on: { 'step.check': [expired, { guard: isStep(id), target: leaf }] } }]));
}
/** An event about this step goes on as `taken`; about another, it is out of turn. */
const about = (id: string, taken: TransitionJson): readonly TransitionJson[] => [expired, { guard: isStep(id), ...taken }, { target: '.outOfTurn' }];

function factorState(id: string, step: Extract<Step, { kind: 'factor' }>): StateJson {
  const sends = SENDING.has(step.factor);
  const passkey = step.factor === 'passkey';
  const refusal = step.failed === undefined ? { target: '.refused' } : to(step.failed);
  return {
    initial: sends ? 'sending' : 'awaiting',
    // A step whose refusal moves on (`failed`) never rests refused.
    states: checked(id, [...(sends ? ['sending', 'foreignProof'] : []), 'awaiting', ...(step.failed === undefined ? ['refused'] : []), ...(passkey ? ['otherUser'] : []), 'outOfTurn']),
    on: {
      // Expiry and the step's own name were judged by the leaf.
      'step.check': { target: '.outOfTurn' },
      'step.choose': outOfTurn,
      ...(sends ? { 'factor.started': about(id, { target: '.awaiting', actions: 'keepFlow' }), 'factor.foreign': about(id, { target: '.foreignProof' }) } : {}),
      'factor.passed': [
        expired,
        // A passkey names its user: one of another user proves nothing for this journey.
        ...(passkey ? [{ guard: { type: 'isOtherUser', params: { step: id } }, target: '.otherUser' } satisfies TransitionJson] : []),
        { guard: isStep(id), ...to(step.passed), actions: 'recordProof' },
        { target: '.outOfTurn' },
      ],
      'factor.refused': about(id, { ...refusal, actions: 'keepRefusal' }),
      'factor.locked': about(id, to(step.locked, 'locked')),
    },
  };
}

/** A route taken whatever the facts: the one left when the others did not match. */
function otherwise(route: TransitionJson | undefined): TransitionJson {
  const { guard: _left, ...taken } = route ?? { target: '#journey.denied.noFactorOffered' };
  return taken;
}

function choiceState(id: string, step: Extract<Step, { kind: 'choice' }>, proved: readonly (readonly string[])[]): StateJson {
  const options: OptionParams[] = step.options.map((option) => (option.when === undefined ? { step: option.step } : { step: option.step, when: option.when }));
  const can = routesOf(options, proved);
  const offered = (option: OptionParams): GuardJson => ({ type: 'offered', params: { step: id, option: option.step, ...(option.when === undefined ? {} : { when: option.when }) } });
  // Facts are fixed at the start, so what a choice offers is known on entry: one option is taken at
  // once (the client sees that step), none leads to `none`. Only the routes some facts allow are
  // drawn: a chart has no edge nothing can take.
  const routes: TransitionJson[] = [
    ...(can.none ? [{ guard: { type: 'offersNone', params: { options } }, ...to(step.none, 'noFactorOffered') } satisfies TransitionJson] : []),
    ...options.filter((_, index) => can.only[index]).map((option): TransitionJson => ({ guard: { type: 'offersOnly', params: { option: option.step, options } }, ...to(option.step) })),
  ];
  // Never two options at once: the last route is what is left (the choice never waits).
  if (!can.many) return { initial: 'routing', states: { routing: { always: [...routes.slice(0, -1), otherwise(routes.at(-1))] } } };
  return {
    initial: 'routing',
    states: { routing: { always: [...routes, { target: 'choosing' }] }, ...checked(id, ['choosing', 'notOffered', 'outOfTurn']) },
    on: {
      // Expiry and the step's own name were judged by the leaf.
      'step.check': { target: '.outOfTurn' },
      'step.choose': [expired, ...options.map((option): TransitionJson => ({ guard: offered(option), ...to(option.step) })), { guard: isStep(id), target: '.notOffered' }, { target: '.outOfTurn' }],
      ...Object.fromEntries(['factor.started', 'factor.passed', 'factor.refused', 'factor.locked', 'factor.foreign'].map((type) => [type, outOfTurn])),
    },
  };
}

function branchState(step: Extract<Step, { kind: 'branch' }>): StateJson {
  const fact = (when: Condition): GuardJson => ({ type: 'fact', params: { when } });
  return { always: [...step.cases.map((entry): TransitionJson => ({ guard: fact(entry.when), ...to(entry.next) })), to(step.otherwise)] };
}

/** A step bounded by maxVisits counts each entry, and denies the one past its bound. */
function bounded(id: string, state: StateJson, maxVisits: number | undefined): StateJson {
  if (maxVisits === undefined || state.initial === undefined) return state;
  const entering: StateJson = { always: [{ guard: { type: 'visitsLeft', params: { step: id, max: maxVisits } }, target: state.initial }, { target: '#journey.denied.tooManyVisits' }] };
  return { ...state, entry: [{ type: 'countVisit', params: { step: id } }], initial: 'entering', states: { entering, ...state.states } };
}

function stateOf(id: string, step: Step, proved: readonly (readonly string[])[]): StateJson | null {
  switch (step.kind) {
    case 'identify':
      return null;
    case 'factor':
      return bounded(id, factorState(id, step), step.maxVisits);
    case 'choice':
      return bounded(id, choiceState(id, step, proved), step.maxVisits);
    case 'branch':
      return branchState(step);
  }
}

/** Every reason a journey can be denied for, in the order its chart lists them. */
const DENIALS = ['locked', 'noFactorOffered', 'ended', 'tooManyVisits', 'expired'] as const;

/** The targets a state's transitions name, its children's included. */
function targetsIn(state: StateJson): string[] {
  const transitions = [
    ...(state.always ?? []),
    ...Object.values(state.on ?? {}).flatMap((handlers) => (typeof handlers === 'string' ? [{ target: handlers }] : 'target' in handlers ? [handlers] : handlers)),
  ];
  return [...transitions.flatMap((transition) => (transition.target === undefined ? [] : [transition.target])), ...Object.values(state.states ?? {}).flatMap(targetsIn)];
}

/** The ends: every event after them is a reuse, answered as such (the end itself is kept). */
const end = (initial: string, states: readonly string[]): StateJson => ({ initial, states: Object.fromEntries([...states, 'reused'].map((name) => [name, {}])), on: { '*': '.reused' } });

function chartOf(doc: JourneyDocument): CompiledJourney['config'] {
  const start = doc.steps[doc.start];
  if (start?.kind !== 'identify') throw new Error(`journey "${doc.key}": the start is not an identify step`);
  const paths = provedSets(doc);
  const steps = Object.entries(doc.steps).flatMap(([id, step]) => {
    const state = stateOf(id, step, paths.get(id) ?? [[]]);
    return state === null ? [] : [[id, state] as const];
  });
  const begin: StateJson = { always: [to(start.next)] };
  const stepsState: StateJson = { initial: steps[0]?.[0] ?? 'none', states: Object.fromEntries(steps) };
  // Only the denials some transition leads to: a chart has no state nothing reaches.
  const targets = new Set([...targetsIn(begin), ...targetsIn(stepsState)]);
  const denials = DENIALS.filter((reason) => targets.has(`#journey.denied.${reason}`));
  return {
    id: 'journey',
    initial: 'begin',
    states: { begin, steps: stepsState, completed: end('done', ['done']), denied: end(denials[0] ?? 'expired', denials) },
  };
}

/** Compiles a document the validator finds no error in (throws otherwise). Whether the app enabled
 * its factors and lists its resources is the publisher's check (validate with the app's facts):
 * the chart itself is the same for any app. */
export function compileJourney(doc: unknown): CompiledJourney {
  const problems = validate(doc, FACTORS);
  if (!publishable(problems) || !Value.Check(JourneyDocument, doc)) {
    throw new Error(`the journey has errors: ${problems.map((found) => `${found.code} ${found.message}`).join('; ')}`);
  }
  const config = chartOf(doc);
  return { config, answers: journeyAnswers(config), effects: [], samples: journeySamples(doc) };
}

/** The machine of a compiled journey: the one runtime, configured by the stored chart. */
export function journeyMachine(compiled: Pick<CompiledJourney, 'config'>) {
  return journeySetup.createMachine({ ...compiled.config, context: initialContext });
}
