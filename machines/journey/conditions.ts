import type { Condition, Fact } from './document.js';

// Reasoning about conditions without running a journey: whether a condition can ever hold, at
// all or once some facts are known (a method this path has proved). Facts are treated as independent yes/no atoms (the validator knows
// nothing of which users exist), and the answer comes from a truth table over the atoms a question
// names: small by construction (a condition nests three levels, a choice has six options), and
// skipped above MAX_ATOMS rather than guessed.

/** Most atoms a truth table is built over: 2^12 rows, each a few comparisons. */
const MAX_ATOMS = 12;

/** An assignment of atoms (by `atomKey`) to truth values. */
type Assignment = ReadonlyMap<string, boolean>;

/** A fact's identity: two equal facts are one atom. */
export const atomKey = (fact: Fact): string => JSON.stringify(fact);

function isFact(condition: Condition): condition is Fact {
  return !('not' in condition) && !('all' in condition) && !('any' in condition);
}

/** Every fact a condition tests, in the order written. */
export function factsOf(condition: Condition): Fact[] {
  if (isFact(condition)) return [condition];
  if ('not' in condition) return factsOf(condition.not);
  const parts: readonly Condition[] = 'all' in condition ? condition.all : condition.any;
  return parts.flatMap(factsOf);
}

/** The distinct facts a condition tests, as atoms. */
export const atomsOf = (condition: Condition): string[] => [...new Set(factsOf(condition).map(atomKey))];

export function evaluate(condition: Condition, assignment: Assignment): boolean {
  if (isFact(condition)) return assignment.get(atomKey(condition)) ?? false;
  if ('not' in condition) return !evaluate(condition.not, assignment);
  if ('all' in condition) return condition.all.every((part) => evaluate(part, assignment));
  return condition.any.some((part) => evaluate(part, assignment));
}

/**
 * Whether some assignment of the atoms makes `holds` true, with the atoms of `fixed` held at their
 * given values. Null when there are too many atoms to tell.
 */
export function satisfiable(holds: (assignment: Assignment) => boolean, atoms: readonly string[], fixed: Assignment = new Map()): boolean | null {
  const free = [...new Set(atoms)].filter((atom) => !fixed.has(atom));
  if (free.length > MAX_ATOMS) return null;
  for (let row = 0; row < 2 ** free.length; row += 1) {
    // Row number's bits are the free atoms' values.
    const assignment = new Map(fixed);
    for (const [bit, atom] of free.entries()) assignment.set(atom, (row & (1 << bit)) !== 0);
    if (holds(assignment)) return true;
  }
  return false;
}

/** Whether `condition` can hold at all (null: too many atoms to tell). */
export const canHold = (condition: Condition, fixed?: Assignment): boolean | null => satisfiable((a) => evaluate(condition, a), atomsOf(condition), fixed);
