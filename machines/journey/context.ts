import { type Static, Type } from 'typebox';
import type { Refusal } from '../shared/answers.js';
import type { AuthMethod } from '../shared/events.js';
import { type Frozen, Millis } from '../shared/shapes.js';

// What a journey instance starts from and what it keeps (design note i19 §2.3), as schemas: fixed
// for every journey, whatever its document, so one runtime (runtime.ts) serves every compiled
// journey and a stored context is checked the same way for all of them. The facts are loaded once
// by the start use case and never re-read: a credential enrolled mid-journey changes nothing that
// is offered, and a replay needs no outside reads.

const METHODS = ['eml', 'eotp', 'sms', 'totp', 'otp', 'pwd', 'webauthn'] as const satisfies readonly AuthMethod[];
const MethodShape = Type.Enum([...METHODS]);

/** Every refusal a factor may answer with, kept as the journey's last refusal (its `.refused` answer). */
const REFUSALS = [
  'DELIVERY_UNAVAILABLE',
  'INTERNAL',
  'JOURNEY_COMPLETED',
  'JOURNEY_DENIED',
  'JOURNEY_EXPIRED',
  'JOURNEY_OPTION_NOT_OFFERED',
  'JOURNEY_PROOF_FOREIGN',
  'JOURNEY_STEP_OUT_OF_TURN',
  'JOURNEY_USER_MISMATCH',
  'MAGIC_LINK_CODE_INVALID',
  'MAGIC_LINK_PROVIDER_CONFIGURATION',
  'OTP_EXPIRED',
  'OTP_INVALID_CREDENTIALS',
  'OTP_LOCKED',
  'OTP_PROVIDER_CONFIGURATION',
  'OTP_PROVIDER_UNAVAILABLE',
  'OTP_RECIPIENT_REJECTED',
  'OTP_USER_NOT_ACTIVE',
  'PASSWORD_EXPIRED',
  'PASSWORD_INVALID_CREDENTIALS',
  'PASSWORD_LOCKED',
  'PASSWORD_TEMPORARY',
  'REFRESH_TOKEN_INVALID',
  'REQUEST_ID_MISMATCH',
  'RESOURCE_NOT_ALLOWED',
  'SESSION_NOT_FOUND',
  'USER_NOT_ACTIVE',
  'WEBAUTHN_CLONE_SUSPECTED',
  'WEBAUTHN_CREDENTIAL_EXISTS',
  'WEBAUTHN_CREDENTIAL_NOT_FOUND',
  'WEBAUTHN_EXPIRED',
  'WEBAUTHN_INVALID_RESULT',
  'WEBAUTHN_ORIGIN_NOT_ALLOWED',
  'WEBAUTHN_RP_MISMATCH',
  'WEBAUTHN_SESSION_USED',
  'WEBAUTHN_USERNAME_TAKEN',
] as const satisfies readonly Refusal[];
// Fails to compile when the Refusal union gains a code this list does not name yet.
type MissingRefusals = Exclude<Refusal, (typeof REFUSALS)[number]>;
const everyRefusalListed: [MissingRefusals] extends [never] ? true : MissingRefusals = true;
void everyRefusalListed;
const RefusalShape = Type.Enum([...REFUSALS]);

/** The facts conditions test (document.ts `Fact`), as the start use case loaded them. */
const JourneyFactsShape = Type.Object({
  /** A live credential of each kind. */
  holds: Type.Object({ password: Type.Boolean(), totp: Type.Boolean(), passkey: Type.Boolean() }),
  /** An address of each kind. */
  has: Type.Object({ email: Type.Boolean(), phone: Type.Boolean() }),
  /** The app's login_preferences.mfa.required. */
  mfaPolicy: Type.Boolean(),
  /** The resource the start requested (null: none). */
  resource: Type.Union([Type.String(), Type.Null()]),
  /** The start named a session (the session machine judged it usable, or the start was refused). */
  sessionNamed: Type.Boolean(),
  /** The methods the named session already holds (empty without one). */
  sessionMethods: Type.Array(MethodShape),
});
export type JourneyFacts = Frozen<Static<typeof JourneyFactsShape>>;

export const JourneyInputShape = Type.Object({
  journeyKey: Type.String(),
  /** The journey's version number (its row names the version: §2.4). */
  version: Type.Number(),
  userId: Type.String(),
  startedAt: Millis,
  /** startedAt + the document's ttlSeconds: from then on every event ends the journey expired. */
  expiresAt: Millis,
  facts: JourneyFactsShape,
});
export type JourneyInput = Frozen<Static<typeof JourneyInputShape>>;

/** A factor this journey proved: what postLogin receives when the journey completes. */
const ProofShape = Type.Object({ step: Type.String(), method: MethodShape, verifies: Type.Union([Type.Literal('email'), Type.Literal('phone'), Type.Null()]), at: Millis });

export const JourneyContextShape = Type.Object({
  ...JourneyInputShape.properties,
  proved: Type.Array(ProofShape),
  /** How many times each step bounded by maxVisits was entered. */
  visits: Type.Record(Type.String(), Type.Number()),
  /** The factor flow each sending step started (a proof of another flow is foreign). */
  flows: Type.Record(Type.String(), Type.String()),
  /** The factor's own refusal, answered while the step stays (`.refused`). */
  lastRefusal: Type.Union([RefusalShape, Type.Null()]),
});
export type JourneyContext = Frozen<Static<typeof JourneyContextShape>>;
