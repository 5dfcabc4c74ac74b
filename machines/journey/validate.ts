import { Value } from 'typebox/value';
import { conditionProblems } from './condition-rules.js';
import { type Factor, JourneyDocument } from './document.js';
import { graphProblems } from './graph-rules.js';
import { type Problem, PROBLEM_CODES, problem } from './problem.js';
import { enablementProblems, referenceProblems, resourceProblems } from './reference-rules.js';
import { schemaProblems } from './schema-problems.js';

export type { Problem } from './problem.js';

// The journey validator (issue 19 point 1; design note i19 §1.4): everything wrong with a journey
// document, as a list a person can act on, in a stable order (rule by rule, each in document order).
// Pure: the same document and app give the same problems, with no clock, I/O or randomness.
// Publishing refuses a document with any error; warnings are shown and let through.

/** What the validator needs to know of the app beyond its factors. */
export interface AppFacts {
  /** The resources the app lists (`app.resources`): absent, resources are not checked. */
  readonly resources?: readonly string[];
}

export function validate(doc: unknown, enabled: readonly Factor[], app: AppFacts = {}): Problem[] {
  // A document of the wrong shape is only reported as such: no other rule can read it.
  const schema = schemaProblems(doc);
  if (schema.length > 0) return schema;
  // schemaProblems checks in layers; should the layers ever let through what the whole schema refuses, say so rather than pass it.
  if (!Value.Check(JourneyDocument, doc)) return [problem('SCHEMA', 'the document does not fit the journey schema', null)];
  const references = referenceProblems(doc);
  const uses = [...enablementProblems(doc, enabled), ...resourceProblems(doc, app.resources), ...conditionProblems(doc)];
  // A wrong name would show up again as an unreachable step or a path that never ends: fix names first.
  if (references.length > 0) return [...references, ...uses];
  return [...graphProblems(doc), ...uses];
}

/** Whether a list of problems lets a document be published (warnings do not stop it). */
export const publishable = (problems: readonly Problem[]): boolean => problems.every((found) => PROBLEM_CODES[found.code] !== 'error');
