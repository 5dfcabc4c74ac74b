import { type Static, Type } from 'typebox';
import { MaybeMillis, Millis, type Frozen } from './shared/shapes.js';

// What a password is set with, and what it keeps, as schemas: the machine's types are derived from
// them, and a credential's stored context is checked against them before the machine sees it
// (src/engine/stored-context.ts).

const MaybeDuration = Type.Union([Type.Number(), Type.Null()]);

const PasswordPolicyShape = Type.Object({
  maxFailures: Type.Number(),
  suspensionMs: Type.Number(),
  /** A failure older than this no longer counts (null: failures never lapse). */
  failuresExpireMs: MaybeDuration,
  /** A password older than this must be replaced (null: passwords do not expire). */
  expiresAfterMs: MaybeDuration,
  /** A temporary password older than this answers as expired (null: no limit of its own). */
  temporaryValidityMs: MaybeDuration,
});
export type PasswordPolicy = Frozen<Static<typeof PasswordPolicyShape>>;

export const PasswordInputShape = Type.Object({
  userId: Type.String(),
  /** When the password was set. */
  setAt: Millis,
  /** Set with force_replace: good only for replacing it. */
  temporary: Type.Boolean(),
});
export type PasswordInput = Frozen<Static<typeof PasswordInputShape>>;

export const PasswordContextShape = Type.Object({
  ...PasswordInputShape.properties,
  /** How many times a password was set (1 for the first): verdicts name the one they compared. */
  generation: Type.Number(),
  /** Attempts counted and not yet cleared by a success (each counted before its comparison). */
  attempts: Type.Number(),
  /** Every attempt ever counted: the number of the latest. Verdicts name the attempt they answer. */
  submitted: Type.Number(),
  lastAttemptAt: MaybeMillis,
  lockedUntil: MaybeMillis,
  /** The policy the latest login named (its verdict is judged under it). */
  policy: Type.Union([PasswordPolicyShape, Type.Null()]),
});
export type PasswordContext = Frozen<Static<typeof PasswordContextShape>>;
