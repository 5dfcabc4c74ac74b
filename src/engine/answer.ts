import type { Answer, Refusal } from '../../machines/shared/answers.js';
import { AuthError, type ErrorCode } from '../errors.js';

/** Throws the error a machine's answer names (the route's error handler renders it); returns on ok.
 * `rename` gives an endpoint its own wire form of a shared error (magic-link endpoints quote "400"). */
export function acceptOrThrow(answer: Answer, rename: Partial<Record<Refusal, ErrorCode>> = {}): void {
  if (answer.kind === 'ok') return;
  throw new AuthError(rename[answer.error] ?? answer.error, answer.details === undefined ? {} : { details: answer.details });
}
