// What the validator says about a journey document (design note i19 §1.4). Codes are stable: the
// designer, the admin API and tests key on them, so a code is never renamed (add a new one
// instead). Messages are English and name the step, so a person can act on them without the code.

/** Every code, with its severity: an error blocks publishing, a warning only informs. */
export const PROBLEM_CODES = {
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
} as const;
export type ProblemCode = keyof typeof PROBLEM_CODES;

export interface Problem {
  readonly code: ProblemCode;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** The step the designer marks on the chart, or null when the problem is the document's. */
  readonly step: string | null;
  /** The steps of a loop, a dead end or an offending path; for SCHEMA, where in the document. */
  readonly path: readonly string[];
}

export function problem(code: ProblemCode, message: string, step: string | null, path: readonly string[] = []): Problem {
  return { code, severity: PROBLEM_CODES[code], message, step, path };
}

/** A step id as messages quote it. */
export const quote = (id: string): string => `"${id}"`;
