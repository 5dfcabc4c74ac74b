import { type Static, Type } from 'typebox';
import { DeliveryInputShape, DeliveryProgressShape, MaybeMillis, Millis, UserStatusShape, type Frozen } from './shared/shapes.js';

// What a passcode flow is started with, and what it keeps (its context), as schemas: the machine's
// types are derived from them, and a flow's stored context is checked against them before the
// machine sees it (src/engine/stored-context.ts).

const OtpChannelShape = Type.Union([Type.Literal('sms'), Type.Literal('email'), Type.Literal('direct')]);
export type OtpChannel = Static<typeof OtpChannelShape>;

/** The pending code a send replaced: its attempts and its end. */
const ReplacedShape = Type.Union([Type.Object({ attempts: Type.Number(), expiresAt: Millis }), Type.Null()]);

const OtpInputShape = Type.Object({
  ...DeliveryInputShape.properties,
  userId: Type.String(),
  channel: OtpChannelShape,
  /** What the authenticate call must name again: "<identifier_type>:<normalised identifier>". */
  subject: Type.String(),
  /** The primary address this code proves when redeemed (none for custom targets and direct). */
  verifies: Type.Union([Type.Literal('email'), Type.Literal('phone'), Type.Null()]),
  /** Code lifetime end. */
  expiresAt: Millis,
  codeLength: Type.Number(),
  maxFailures: Type.Number(),
  lockoutMs: Type.Number(),
  requestId: Type.Union([Type.String(), Type.Null()]),
  approvalData: Type.Union([Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])), Type.Null()]),
  /** When the send was asked for, and until when the user is locked out of passcodes (if at all). */
  requestedAt: Millis,
  lockedOutUntil: MaybeMillis,
  /** The user's status when the send was asked for. */
  userStatus: UserStatusShape,
  /** The pending code this send replaced, if any: a resend does not buy new guesses while the
   * replaced code would still have been live. */
  replaced: ReplacedShape,
});
export type OtpInput = Frozen<Static<typeof OtpInputShape>>;

/** The input a flow's row keeps (what its replay starts from). A flow started before version 5
 * (carried over by a migration) was handed the count of carried attempts itself, and neither the
 * user's status nor the replaced code: both are read only at the send, in a state never saved. */
export const OtpStoredInputShape = Type.Object({
  ...OtpInputShape.properties,
  userStatus: Type.Optional(UserStatusShape),
  replaced: Type.Optional(ReplacedShape),
  carriedAttempts: Type.Optional(Type.Number()),
});

export const OtpContextShape = Type.Object({
  ...OtpStoredInputShape.properties,
  ...DeliveryProgressShape.properties,
  /** Attempts counted so far, this code's and those carried from the replaced code. */
  attempts: Type.Number(),
  lockedUntil: MaybeMillis,
});
export type OtpContext = Frozen<Static<typeof OtpContextShape>>;
