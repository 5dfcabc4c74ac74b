import type { ErrorCode } from '../../src/errors.js';

// What each outcome of a machine answers over HTTP, declared beside the machine: the use case
// looks the answer up by the state the machine reached; no service switches over state names.

export type Answer =
  | { readonly kind: 'ok' }
  | { readonly kind: 'refused'; readonly error: ErrorCode; readonly details?: Readonly<Record<string, unknown>> };

/** One answer per leaf state (a function of the context where the answer depends on a fact). */
export type Answers<TState extends string, TContext> = { readonly [S in TState]: Answer | ((context: TContext) => Answer) };

export const ok: Answer = { kind: 'ok' };
export const refused = (error: ErrorCode, details?: Readonly<Record<string, unknown>>): Answer => ({ kind: 'refused', error, ...(details === undefined ? {} : { details }) });
