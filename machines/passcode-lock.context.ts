import { type Static, Type } from 'typebox';
import { MaybeMillis, type Frozen } from './shared/shapes.js';

// What a user's passcode lock is started with (nothing: it learns everything from its events), and
// what it keeps, as schemas: the machine's types are derived from them, and a lock's stored context
// is checked against them before the machine sees it (src/engine/stored-context.ts).

export const PasscodeLockInputShape = Type.Object({});
export type PasscodeLockInput = Frozen<Static<typeof PasscodeLockInputShape>>;

export const PasscodeLockContextShape = Type.Object({
  /** Until when the user is locked out of passcodes (null: never locked). */
  lockedUntil: MaybeMillis,
});
export type PasscodeLockContext = Frozen<Static<typeof PasscodeLockContextShape>>;
