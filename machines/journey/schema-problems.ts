import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { JourneyDocument, STEP_ID_PATTERN, STEP_SHAPES } from './document.js';
import { type Problem, problem } from './problem.js';

// The SCHEMA rule: where a document departs from the schema of document.ts, one problem per place.
// A plain check of the whole document reports every branch of every union it tried (six lines for
// one misspelt factor), so the document is checked in two layers: its envelope with the steps left
// open, then each step against the schema of its own `kind`. What is left is collapsed to the
// outermost union a value failed, said once.

/** The document with each step left unchecked: the steps are checked one by one below. */
const Envelope = {
  ...JourneyDocument,
  properties: { ...JourneyDocument.properties, steps: { ...JourneyDocument.properties.steps, patternProperties: {}, additionalProperties: true } },
};

const KINDS = Object.keys(STEP_SHAPES).join(', ');
const STEP_ID = new RegExp(STEP_ID_PATTERN);

export function schemaProblems(doc: unknown): Problem[] {
  const found = errorsOf(Envelope, doc, []);
  const steps = isRecord(doc) && isRecord(doc.steps) ? doc.steps : {};
  for (const [id, step] of Object.entries(steps)) {
    const where = ['steps', id];
    if (!STEP_ID.test(id)) found.push(at([...where], 'step ids start with a lowercase letter, then up to 31 letters or digits'));
    const kind = isRecord(step) ? step.kind : undefined;
    const shape = Object.entries(STEP_SHAPES).find(([name]) => name === kind)?.[1];
    if (shape === undefined) found.push(at([...where, 'kind'], `must be one of ${KINDS}`));
    else found.push(...errorsOf(shape, step, where));
  }
  return found;
}

type SchemaError = ReturnType<typeof Value.Errors>[number];

function errorsOf(schema: TSchema, value: unknown, prefix: readonly string[]): Problem[] {
  const unions = new Map<string, { path: string[]; errors: SchemaError[] }>();
  const plain: Problem[] = [];
  for (const error of Value.Errors(schema, value)) {
    if (error.keyword === 'boolean') continue; // repeats an additionalProperties error, once per property
    const union = outermostUnion(error);
    if (union === null) {
      plain.push(at([...prefix, ...segments(error.instancePath)], plainMessage(error)));
      continue;
    }
    const key = union.join('/');
    const group = unions.get(key) ?? { path: union, errors: [] };
    group.errors.push(error);
    unions.set(key, group);
  }
  const collapsed = [...unions.values()].map(({ path, errors }) => at([...prefix, ...path], unionMessage(errors, path)));
  return [...plain, ...collapsed];
}

/** Where in the value the outermost union an error was found under lies (null: under no union). The
 * schema path is walked to the first `anyOf`, counting the value's levels it went down on the way. */
function outermostUnion(error: SchemaError): string[] | null {
  const parts = segments(error.schemaPath.replace(/^#/, ''));
  let depth = 0;
  for (let index = 0; index < parts.length; index += 1) {
    const part = parts[index];
    if (part === 'anyOf') return segments(error.instancePath).slice(0, depth);
    if (part === 'properties' || part === 'patternProperties') {
      depth += 1;
      index += 1; // the property's name (or pattern) is the next segment
    } else if (part === 'items' || part === 'additionalProperties') depth += 1;
  }
  // A union's own error ("must match a schema in anyOf") ends its schema path at the union.
  return error.keyword === 'anyOf' ? segments(error.instancePath) : null;
}

function plainMessage(error: SchemaError): string {
  if (error.keyword === 'enum') return `must be one of ${error.params.allowedValues.join(', ')}`;
  if (error.keyword === 'const') return `must be ${JSON.stringify(error.params.allowedValue)}`;
  if (error.keyword === 'additionalProperties') return `must not have ${error.params.additionalProperties.map((name) => `"${name}"`).join(', ')}`;
  return error.message;
}

/** What a value that fits no branch of a union should have been: the constants it may be, when the union is of constants. */
function unionMessage(errors: readonly SchemaError[], path: readonly string[]): string {
  const here = `/${path.join('/')}`.replace(/^\/$/, '');
  const constants = errors.flatMap((error) => (error.keyword === 'const' && error.instancePath === here ? [String(error.params.allowedValue)] : []));
  const onlyConstants = errors.every((error) => error.instancePath === here && (error.keyword === 'const' || error.keyword === 'anyOf'));
  return onlyConstants && constants.length > 0 ? `must be one of ${constants.join(', ')}` : 'fits none of the forms allowed here';
}

const segments = (pointer: string): string[] => pointer.split('/').filter((part) => part !== '');

function at(path: readonly string[], message: string): Problem {
  const where = path.length === 0 ? 'the document' : path.join('.');
  const step = path[0] === 'steps' && path[1] !== undefined ? path[1] : null;
  return problem('SCHEMA', `${where}: ${message}`, step, path);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
