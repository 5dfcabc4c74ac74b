import { atomKey, atomsOf, evaluate, satisfiable } from './conditions.js';
import { FACTOR_METHODS, type JourneyDocument } from './document.js';
import { stepOf, targetsOf } from './graph.js';
import type { OptionParams } from './runtime.js';
import type { AuthMethod } from '../shared/events.js';

// Which ways a choice can go, judged from its options' conditions alone (facts as independent
// atoms, the validator's truth table: conditions.ts): whether it can offer nothing, exactly one
// given option, or several (then the user chooses). The compiler draws only the routes some facts
// allow, so every edge of a compiled chart can be taken. When the table is too large to tell
// (null), the route is drawn. What the journey has proved is not a free fact: it is known from
// the path, so each choice is judged with every set of methods some path to it proves.

export interface ChoiceRoutes {
  readonly none: boolean;
  /** Per option, in order: can it be the only one offered? */
  readonly only: readonly boolean[];
  readonly many: boolean;
}

/** Per step, the sets of methods the paths reaching it have proved (breadth first over step and set). */
export function provedSets(doc: JourneyDocument): Map<string, string[][]> {
  const sets = new Map<string, string[][]>();
  const seen = new Set<string>();
  const queue: [string, string[]][] = [[doc.start, []]];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const [id, proved] = next;
    const step = stepOf(doc.steps, id);
    const key = `${id}|${proved.join(',')}`;
    if (step === undefined || seen.has(key)) continue;
    seen.add(key);
    sets.set(id, [...(sets.get(id) ?? []), proved]);
    const passed = step.kind === 'factor' ? [...new Set([...proved, FACTOR_METHODS[step.factor]])].sort() : proved;
    for (const target of targetsOf(step)) queue.push([target, step.kind === 'factor' && target === step.passed ? passed : proved]);
  }
  return sets;
}

export function routesOf(options: readonly OptionParams[], proved: readonly (readonly string[])[] = [[]]): ChoiceRoutes {
  const atoms = options.flatMap((option) => (option.when === undefined ? [] : atomsOf(option.when)));
  const offered = (assignment: ReadonlyMap<string, boolean>) => options.map((option) => option.when === undefined || evaluate(option.when, assignment));
  const count = (assignment: ReadonlyMap<string, boolean>) => offered(assignment).filter(Boolean).length;
  const methods: readonly AuthMethod[] = ['eml', 'eotp', 'sms', 'totp', 'otp', 'pwd', 'webauthn'];
  const fixedBy = (set: readonly string[]) => new Map(methods.map((method) => [atomKey({ proved: method }), set.includes(method)]));
  const can = (holds: (assignment: ReadonlyMap<string, boolean>) => boolean) => proved.some((set) => satisfiable(holds, atoms, fixedBy(set)) ?? true);
  return {
    none: can((assignment) => count(assignment) === 0),
    only: options.map((_, index) => can((assignment) => count(assignment) === 1 && offered(assignment)[index] === true)),
    many: can((assignment) => count(assignment) > 1),
  };
}
