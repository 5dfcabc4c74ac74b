import { assign, setup } from 'xstate';
import type { MagicLinkContext, MagicLinkInput } from './magic-link.context.js';
import { canRetryDelivery, DELIVERY_EFFECTS, type DeliveryEffects, deliveryChart, type DeliveryDueEvent } from './shared/delivery.js';
import { declareEffects, type NoParams } from './shared/effects.js';
import type { AuthMethod, DeliveryEvent, NamedSessionVerdict, Timed } from './shared/events.js';
import { isDisabled, isResourceRefused, type ResourceRequest } from './shared/facts.js';
import type { UserStatus } from './shared/shapes.js';

// The email magic-link flow (mosaic-backend-api.md §2.1–2.2). The send call creates the flow: its
// effects issue a 256-bit code (only its HMAC is kept, beside the flow, so the code finds its
// flow) and email the link; with `channel: "direct"` the link is handed back in the answer and
// nothing is delivered. The GET on the emailed
// link never reaches the machine, so link scanners cannot burn it. The backend's authenticate call
// submits the code once: a wrong request id, an expired, superseded or already used code is
// refused, each in a named state kept in the flow's log. A disabled user is sent no link
// (`userDisabled`); a code redeems nothing for a user disabled since, nor for a resource the app
// does not list (the code stays redeemable by a right request).

export type MagicLinkEvent =
  | DeliveryEvent
  | DeliveryDueEvent
  // The code itself was matched (by its HMAC) to this flow before the event was built; the session
  // id, a bearer secret, never enters an event: it travels with the request to the effect.
  | ({ readonly type: 'code.submit'; readonly requestId: string | null; readonly session: NamedSessionVerdict; readonly userStatus: UserStatus } & ResourceRequest & Timed)
  | ({ readonly type: 'challenge.superseded' } & Timed);

export const MAGIC_LINK_METHOD: AuthMethod = 'eml';

export interface MagicLinkEffects extends DeliveryEffects, Record<string, unknown> {
  /** Make a 256-bit code; keep its HMAC beside the flow (inline, before the write). */
  issueChallenge: NoParams;
  /** Make one attempt at emailing the kept message (after commit); reports the delivery. Later
   * attempts are the delivery worker's. */
  deliverChallenge: { readonly channel: 'email' };
  /** The verdict, handed to the session flow's post-login step (src/flows/session/post-login.ts). */
  recordAuthentication: { readonly method: AuthMethod; readonly verifies: 'email' };
}

export const MAGIC_LINK_EFFECTS = ['issueChallenge', ...DELIVERY_EFFECTS, 'deliverChallenge', 'recordAuthentication'] as const satisfies readonly (keyof MagicLinkEffects)[];

/** How a submitted code is judged wherever the flow waits for it. */
const redeem = [
  // A session that cannot take this factor refuses the whole authentication; the code stays redeemable.
  { guard: 'isSessionRefused', target: '#magic-link.awaitingCode.sessionRefused' },
  { guard: 'isExpired', target: '#magic-link.expired' },
  // With generate_request_id the send returned a request id that authenticate must repeat
  // (keystate-server.md §5 item 2): without it, or with another, the code stays redeemable.
  { guard: 'isRequestIdMismatch', target: '#magic-link.awaitingCode.requestIdRefused' },
  { guard: 'isResourceRefused', target: '#magic-link.awaitingCode.resourceRefused' },
  { guard: 'isUserDisabled', target: '#magic-link.awaitingCode.userDisabled' },
  { target: '#magic-link.authenticated' },
] as const;

/** How the outcome of a delivery attempt moves a flow that is issuing or retrying its link. */
const deliver = { type: 'deliverChallenge', params: { channel: 'email' as const } } as const;
const delivery = deliveryChart(
  { delivered: '#magic-link.awaitingCode', retrying: '#magic-link.retrying', failed: '#magic-link.deliveryFailed', superseded: '#magic-link.superseded', expired: '#magic-link.expired' },
  deliver,
  redeem,
);

export const magicLinkMachine = setup({
  types: { input: {} as MagicLinkInput, context: {} as MagicLinkContext, events: {} as MagicLinkEvent },
  actions: {
    ...declareEffects<MagicLinkEffects>(MAGIC_LINK_EFFECTS),
    recordDelivered: assign({ deliveredAt: ({ event }) => event.at }),
    countDeliveryAttempt: assign({ deliveryAttempts: ({ context }) => context.deliveryAttempts + 1 }),
    recordDeliveryFault: assign({ deliveryFault: ({ event }) => (event.type === 'challenge.undeliverable' ? event.fault : null) }),
  },
  guards: {
    // A flow carried over from version 3 was judged at its send, by the version of then.
    isUserDisabledAtSend: ({ context }) => context.userStatus !== undefined && isDisabled(context.userStatus),
    isUserDisabled: ({ event }) => event.type === 'code.submit' && isDisabled(event.userStatus),
    isResourceRefused: ({ event }) => event.type === 'code.submit' && isResourceRefused(event),
    isHandedToCaller: ({ context }) => context.channel === 'direct',
    canRetryDelivery: ({ context, event }) => canRetryDelivery(context, event),
    isExpired: ({ context, event }) => event.at >= context.expiresAt,
    isSessionRefused: ({ event }) => event.type === 'code.submit' && event.session === 'refused',
    isRequestIdMismatch: ({ context, event }) => event.type === 'code.submit' && context.requestId !== null && event.requestId !== context.requestId,
  },
}).createMachine({
  id: 'magic-link',
  context: ({ input }) => ({ ...input, deliveredAt: null, deliveryFault: null, deliveryAttempts: 0 }),
  initial: 'checking',
  // A due message or a late delivery outcome where no state below expects one: dropped.
  on: delivery.anywhere,
  states: {
    checking: {
      always: [
        { guard: 'isUserDisabledAtSend', target: 'userDisabled' },
        // A direct link goes back to the caller in this very answer: there is nothing to deliver.
        { guard: 'isHandedToCaller', target: 'awaitingCode', actions: 'issueChallenge' },
        { target: 'issuing' },
      ],
    },
    // No link was issued: the user is disabled. A code submitted here cannot be this flow's.
    userDisabled: { initial: 'refusedSend', states: { refusedSend: {}, refused: {} }, on: { 'code.submit': '.refused' } },
    issuing: {
      // The message is kept beside the flow before the first attempt: a process that stops loses nothing.
      entry: ['issueChallenge', 'holdDelivery', deliver],
      on: delivery.sending,
    },
    // An attempt failed on an outage: the send answered and the delivery worker attempts again.
    retrying: { on: delivery.retrying },
    awaitingCode: {
      initial: 'waiting',
      states: { waiting: {}, requestIdRefused: {}, sessionRefused: {}, resourceRefused: {}, userDisabled: {} },
      // A code redeemed while its message was being retried: the delivery goes on meanwhile.
      on: { 'code.submit': redeem, 'challenge.superseded': { target: 'superseded', actions: 'releaseDelivery' }, ...delivery.waiting },
    },
    authenticated: {
      initial: 'redeemed',
      // The link only ever goes to the user's primary address: redeeming it proves that address.
      entry: [{ type: 'recordAuthentication', params: { method: MAGIC_LINK_METHOD, verifies: 'email' as const } }],
      states: { redeemed: {}, alreadyUsed: {} },
      on: { 'code.submit': '.alreadyUsed' },
    },
    expired: { initial: 'lapsed', states: { lapsed: {}, refused: {} }, on: { 'code.submit': '.refused' } },
    deliveryFailed: { initial: 'undelivered', states: { undelivered: {}, refused: {} }, on: { 'code.submit': '.refused' } },
    superseded: { initial: 'replaced', states: { replaced: {}, refused: {} }, on: { 'code.submit': '.refused' } },
  },
});
