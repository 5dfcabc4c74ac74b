import { assign, setup } from 'xstate';
import { atomKey, evaluate, factsOf } from './conditions.js';
import type { JourneyContext, JourneyInput } from './context.js';
import type { Condition, Fact } from './document.js';
import type { JourneyEvent } from './events.js';

// The one runtime every compiled journey runs on (design note i19 §2.2): a fixed set of named guards
// and actions, each reading its `params`. A compiled journey is only configuration that names them
// (compile.ts), so the JSON stored for a published version rebuilds the same machine with this
// runtime, and no document ever brings code of its own. Implementations are only ever added, never
// changed: a stored journey names them, and a changed guard would change a running version's
// behaviour (a changed meaning gets a new name).

/** One option of a choice: the factor step offered, when its condition holds (absent: always). */
export interface OptionParams {
  readonly step: string;
  readonly when?: Condition;
}

/** Whether a fact holds for this journey: facts were loaded at its start; `proved` grows as it goes. */
function factHolds(fact: Fact, context: JourneyContext): boolean {
  const { facts } = context;
  if ('holds' in fact) return facts.holds[fact.holds];
  if ('has' in fact) return facts.has[fact.has];
  if ('policy' in fact) return facts.mfaPolicy;
  if ('resourceIn' in fact) return facts.resource !== null && fact.resourceIn.includes(facts.resource);
  if ('session' in fact) return facts.sessionNamed;
  if ('sessionHas' in fact) return facts.sessionMethods.includes(fact.sessionHas);
  return context.proved.some((proof) => proof.method === fact.proved);
}

/** A condition over this journey's facts (the validator's evaluation, its atoms given their values). */
function conditionHolds(condition: Condition, context: JourneyContext): boolean {
  return evaluate(condition, new Map(factsOf(condition).map((fact) => [atomKey(fact), factHolds(fact, context)])));
}

/** The options a choice offers this journey, in the order written. */
const offeredOptions = (options: readonly OptionParams[], context: JourneyContext): string[] =>
  options.filter((option) => option.when === undefined || conditionHolds(option.when, context)).map((option) => option.step);

const initialContext = ({ input }: { input: JourneyInput }): JourneyContext => ({ ...input, proved: [], visits: {}, flows: {}, lastRefusal: null });

export const journeySetup = setup({
  types: { input: {} as JourneyInput, context: {} as JourneyContext, events: {} as JourneyEvent },
  guards: {
    /** Expiry is data: the event's time against the end the start fixed (no timer fires it). */
    isExpired: ({ context, event }) => event.at >= context.expiresAt,
    /** A branch case's condition. */
    fact: ({ context }, params: { readonly when: Condition }) => conditionHolds(params.when, context),
    /** The user chose `option` at the choice `step`, and it is offered. */
    offered: ({ context, event }, params: { readonly step: string; readonly option: string; readonly when?: Condition }) =>
      event.type === 'step.choose' && event.step === params.step && event.option === params.option && (params.when === undefined || conditionHolds(params.when, context)),
    /** The choice offers exactly this option: it is taken at once. */
    offersOnly: ({ context }, params: { readonly option: string; readonly options: readonly OptionParams[] }) => {
      const offered = offeredOptions(params.options, context);
      return offered.length === 1 && offered[0] === params.option;
    },
    /** The choice offers nothing to this user. */
    offersNone: ({ context }, params: { readonly options: readonly OptionParams[] }) => offeredOptions(params.options, context).length === 0,
    /** The event is about `step` (the step the journey is at: the guard sits on that step). */
    isStep: ({ event }, params: { readonly step: string }) => event.step === params.step,
    /** A verdict for `step` of another user than the journey's (a passkey decides the user itself). */
    isOtherUser: ({ context, event }, params: { readonly step: string }) => event.type === 'factor.passed' && event.step === params.step && event.userId !== context.userId,
    /** `step` was entered at most `max` times (this entry counted). */
    visitsLeft: ({ context }, params: { readonly step: string; readonly max: number }) => (context.visits[params.step] ?? 0) <= params.max,
  },
  actions: {
    recordProof: assign({
      proved: ({ context, event }) => (event.type === 'factor.passed' ? [...context.proved, { step: event.step, method: event.method, verifies: event.verifies, at: event.at }] : context.proved),
    }),
    countVisit: assign({ visits: ({ context }, params: { readonly step: string }) => ({ ...context.visits, [params.step]: (context.visits[params.step] ?? 0) + 1 }) }),
    keepFlow: assign({ flows: ({ context, event }) => (event.type === 'factor.started' ? { ...context.flows, [event.step]: event.flowId } : context.flows) }),
    keepRefusal: assign({ lastRefusal: ({ context, event }) => (event.type === 'factor.refused' ? event.refusal : context.lastRefusal) }),
  },
});

export { initialContext };
