import { type Static, Type } from 'typebox';
import { MaybeMillis, Millis, UserStatusShape, type Frozen } from './shared/shapes.js';

// What a passkey is registered with, and what it keeps, as schemas: the machine's types are derived
// from them, and a credential's stored context is checked against them before the machine sees it
// (src/engine/stored-context.ts). The public key is no part of it: it lives in the credential's row
// (what proves), never in the context or the log. The signature counter is no secret: it is kept
// here, so a replay of the log judges every assertion as it was judged.

export const PasskeyInputShape = Type.Object({
  userId: Type.String(),
  registeredAt: Millis,
  /** The user's status when registering. */
  userStatus: UserStatusShape,
  /** The authenticator's signature counter: the one at registration, then the latest a login
   * accepted (0 for ever for most platform passkeys, which keep none). */
  counter: Type.Integer({ minimum: 0 }),
  /** The name the passkey was registered under (Mosaic's `webauthn_username`). */
  webauthnUsername: Type.String(),
});
export type PasskeyInput = Frozen<Static<typeof PasskeyInputShape>>;

export const PasskeyContextShape = Type.Object({
  ...PasskeyInputShape.properties,
  lastUsedAt: MaybeMillis,
  /** When an assertion came with a counter that went backwards (a possible clone). */
  suspectedAt: MaybeMillis,
});
export type PasskeyContext = Frozen<Static<typeof PasskeyContextShape>>;
