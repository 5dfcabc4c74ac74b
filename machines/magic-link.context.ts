import { type Static, Type } from 'typebox';
import { DeliveryInputShape, DeliveryProgressShape, Millis, UserStatusShape, type Frozen } from './shared/shapes.js';

// What a magic-link flow is started with, and what it keeps, as schemas: the machine's types are
// derived from them, and a flow's stored context is checked against them before the machine sees
// it (src/engine/stored-context.ts).

const MagicLinkInputShape = Type.Object({
  ...DeliveryInputShape.properties,
  userId: Type.String(),
  redirectUri: Type.String(),
  state: Type.Union([Type.String(), Type.Null()]),
  /** `email` sends the link; `direct` returns it to the caller and sends nothing. */
  channel: Type.Union([Type.Literal('email'), Type.Literal('direct')]),
  /** Link lifetime end. */
  expiresAt: Millis,
  requestId: Type.Union([Type.String(), Type.Null()]),
  /** The user's status when the send was asked for. */
  userStatus: UserStatusShape,
});
export type MagicLinkInput = Frozen<Static<typeof MagicLinkInputShape>>;

/** The input a flow's row keeps (what its replay starts from). A flow started before version 4
 * (carried over by a migration) was not handed the user's status: it is read only at the send, in
 * a state never saved. */
export const MagicLinkStoredInputShape = Type.Object({ ...MagicLinkInputShape.properties, userStatus: Type.Optional(UserStatusShape) });

export const MagicLinkContextShape = Type.Object({ ...MagicLinkStoredInputShape.properties, ...DeliveryProgressShape.properties });
export type MagicLinkContext = Frozen<Static<typeof MagicLinkContextShape>>;
