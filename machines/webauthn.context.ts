import { type Static, Type } from 'typebox';
import { Millis, type Frozen } from './shared/shapes.js';

// What a WebAuthn ceremony is started with, and what it keeps, as schemas: the machine's types are
// derived from them, and a flow's stored context is checked against them before the machine sees
// it (src/engine/stored-context.ts). Never the challenge (only its HMAC, beside the flow), the
// encoded result or a public key: the verdict keeps the credential's key (a hash of its id).

const CeremonyShape = Type.Union([Type.Literal('registration'), Type.Literal('authentication')]);

/** The app's preference (WebAuthn L3 `UserVerificationRequirement`). */
const UserVerificationShape = Type.Union([Type.Literal('required'), Type.Literal('preferred'), Type.Literal('discouraged')]);

/** How the authenticator is attached (`authenticatorAttachment`), when the browser says. */
const AttachmentShape = Type.Union([Type.Literal('platform'), Type.Literal('cross-platform'), Type.Null()]);
export type Attachment = Static<typeof AttachmentShape>;

export const WebauthnInputShape = Type.Object({
  ceremony: CeremonyShape,
  /** The username the ceremony was started for; null: a usernameless (discoverable) login. */
  webauthnUsername: Type.Union([Type.String(), Type.Null()]),
  /** Registration: the name the browser shows for the passkey, and the user handle it was created
   * under (base64url; no secret: the browser holds it) that the passkey keeps. Null on a login. */
  displayName: Type.Union([Type.String(), Type.Null()]),
  userHandle: Type.Union([Type.String(), Type.Null()]),
  requestedAt: Millis,
  /** requestedAt + the request's `timeout`: a result submitted from then on is refused. */
  expiresAt: Millis,
  userVerification: UserVerificationShape,
});
export type WebauthnInput = Frozen<Static<typeof WebauthnInputShape>>;

/** What the verification found, once it accepted the result. */
const VerdictShape = Type.Object({
  /** The credential's key: a hash of its id (not the id, not the public key). */
  credentialKey: Type.String(),
  counter: Type.Integer({ minimum: 0 }),
  userVerified: Type.Boolean(),
  /** Registration only: the authenticator's model and attachment (null on an assertion). */
  aaguid: Type.Union([Type.String(), Type.Null()]),
  attachment: AttachmentShape,
});

export const WebauthnContextShape = Type.Object({
  ...WebauthnInputShape.properties,
  verdict: Type.Union([VerdictShape, Type.Null()]),
});
export type WebauthnContext = Frozen<Static<typeof WebauthnContextShape>>;
