import { type Static, Type } from 'typebox';
import { MaybeMillis, Millis, UserStatusShape, type Frozen } from './shared/shapes.js';

// What an authenticator is registered with, and what it keeps, as schemas: the machine's types are
// derived from them, and a credential's stored context is checked against them before the machine
// sees it (src/engine/stored-context.ts).

const TotpPolicyShape = Type.Object({
  maxFailures: Type.Number(),
  lockoutMs: Type.Number(),
  /** Steps before the current one whose codes are still accepted (the comparison reads it). */
  window: Type.Number(),
});
export type TotpPolicy = Frozen<Static<typeof TotpPolicyShape>>;

const TotpInputShape = Type.Object({
  userId: Type.String(),
  registeredAt: Millis,
  /** The user's status when registering (a stand-in's: nobody's, never disabled). */
  userStatus: UserStatusShape,
});
export type TotpInput = Frozen<Static<typeof TotpInputShape>>;

/** The input a credential's row keeps (what its replay starts from). Authenticators registered
 * before version 4 have no status: they were registered, as they were judged then (`registering`
 * is passed through at the start only). */
export const TotpStoredInputShape = Type.Object({ ...TotpInputShape.properties, userStatus: Type.Optional(UserStatusShape) });

export const TotpContextShape = Type.Object({
  ...TotpStoredInputShape.properties,
  attempts: Type.Number(),
  lockedUntil: MaybeMillis,
  /** The time step of the last code accepted: it and every earlier step are spent. */
  lastUsedStep: Type.Union([Type.Number(), Type.Null()]),
  /** When the latest failure was counted: failures lapse `policy.lockoutMs` after it. */
  lastFailureAt: MaybeMillis,
  policy: Type.Union([TotpPolicyShape, Type.Null()]),
});
export type TotpContext = Frozen<Static<typeof TotpContextShape>>;
