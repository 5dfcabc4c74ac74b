import { type Answers, ok, refused } from './shared/answers.js';
import type { MagicLinkContext } from './magic-link.context.js';

// The HTTP answer of every outcome of the magic-link flow (mosaic-backend-api.md §2.1–2.2).

export type MagicLinkState =
  | 'userDisabled.refusedSend'
  | 'userDisabled.refused'
  | 'issuing'
  | 'retrying'
  | 'awaitingCode.waiting'
  | 'awaitingCode.requestIdRefused'
  | 'awaitingCode.sessionRefused'
  | 'awaitingCode.resourceRefused'
  | 'awaitingCode.userDisabled'
  | 'authenticated.redeemed'
  | 'authenticated.alreadyUsed'
  | 'expired.lapsed'
  | 'expired.refused'
  | 'deliveryFailed.undelivered'
  | 'deliveryFailed.refused'
  | 'superseded.replaced'
  | 'superseded.refused';

const invalidCode = refused('MAGIC_LINK_CODE_INVALID');

export const magicLinkAnswers: Answers<MagicLinkState, MagicLinkContext> = {
  // The magic-link endpoints quote their own form of this error (the use case renames it).
  'userDisabled.refusedSend': refused('USER_NOT_ACTIVE'),
  'userDisabled.refused': invalidCode,
  // A send whose first attempt has no outcome yet (no answer within the send's wait, an answer
  // that could not be saved, a stopped process): the link is kept, the delivery worker sees it through.
  issuing: ok,
  // The first attempt met an outage: the link is retried in the background.
  retrying: ok,
  'awaitingCode.waiting': ok,
  'awaitingCode.requestIdRefused': refused('REQUEST_ID_MISMATCH'),
  'awaitingCode.sessionRefused': refused('SESSION_NOT_FOUND'),
  'awaitingCode.resourceRefused': refused('RESOURCE_NOT_ALLOWED'),
  // The user was disabled after the send; the code stays redeemable should they be enabled again.
  'awaitingCode.userDisabled': refused('USER_NOT_ACTIVE'),
  'authenticated.redeemed': ok,
  // Expired, already redeemed, superseded or never delivered: the code does not work.
  'authenticated.alreadyUsed': invalidCode,
  'expired.lapsed': invalidCode,
  'expired.refused': invalidCode,
  'deliveryFailed.undelivered': (context) => (context.deliveryFault === 'configuration' ? refused('MAGIC_LINK_PROVIDER_CONFIGURATION') : refused('DELIVERY_UNAVAILABLE')),
  'deliveryFailed.refused': invalidCode,
  'superseded.replaced': invalidCode,
  'superseded.refused': invalidCode,
};
