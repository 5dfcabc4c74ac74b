import { assign, setup } from 'xstate';
import type { AuthMethod, DeliveryEvent, Timed } from './shared/events.js';

// The email magic-link flow (mosaic-backend-api.md §2.1–2.2). One request = one event: the send
// call creates the flow (its effects issue the code and deliver the link), the backend's
// authenticate call submits the code. The GET on the emailed link never reaches the machine, so
// link scanners cannot burn it.

export interface MagicLinkInput {
  readonly userId: string;
  readonly redirectUri: string;
  readonly state: string | null;
  /** `email` sends the link; `direct` returns it to the caller and sends nothing. */
  readonly channel: 'email' | 'direct';
  /** Link lifetime end, ms since epoch. */
  readonly expiresAt: number;
  readonly requestId: string | null;
}

export interface MagicLinkContext extends MagicLinkInput {
  readonly deliveredAt: number | null;
}

export type MagicLinkEvent =
  | DeliveryEvent
  // The backend redeems the code. The code itself was already matched (by its HMAC) to this
  // flow's challenge before the event was built; the session id, a bearer secret, never enters an
  // event: it travels with the request to the effect that records the authentication.
  | ({ readonly type: 'code.submit'; readonly requestId: string | null } & Timed);

export const MAGIC_LINK_METHOD: AuthMethod = 'eml';

/** How a submitted code is judged, wherever the flow waits for it. A request-id mismatch is not a
 * transition at all: the code stays redeemable by the right request. */
const redeem = [
  { guard: 'isRequestIdMismatch', actions: [] },
  { guard: 'isExpired', target: 'expired' },
  { target: 'authenticated' },
] as const;

export const magicLinkMachine = setup({
  types: {
    input: {} as MagicLinkInput,
    context: {} as MagicLinkContext,
    events: {} as MagicLinkEvent,
  },
  actions: {
    // Declared only: src/flows/effects performs these. Empty bodies keep the machine pure.
    issueChallenge: (_, _params: { kind: 'link' }) => {},
    deliverChallenge: (_, _params: { channel: 'email' | 'direct' }) => {},
    revokeChallenge: () => {},
    consumeChallenge: () => {},
    recordAuthentication: (_, _params: { method: AuthMethod; verifies: 'email' }) => {},
    issueTokens: () => {},
  },
  guards: {
    isExpired: ({ context, event }) => event.at >= context.expiresAt,
    // With generate_request_id the send returned a request id that the authenticate call must
    // repeat (keystate-server.md §5 item 2). Without it, nothing is bound.
    isRequestIdMismatch: ({ context, event }) =>
      event.type === 'code.submit' && context.requestId !== null && event.requestId !== context.requestId,
  },
}).createMachine({
  id: 'magic-link',
  context: ({ input }) => ({ ...input, deliveredAt: null }),
  initial: 'issuing',
  states: {
    issuing: {
      entry: [
        { type: 'issueChallenge', params: { kind: 'link' } },
        { type: 'deliverChallenge', params: ({ context }) => ({ channel: context.channel }) },
      ],
      on: {
        'challenge.delivered': {
          target: 'awaitingCode',
          actions: assign({ deliveredAt: ({ event }) => event.at }),
        },
        'challenge.undeliverable': { target: 'deliveryFailed' },
        // A crash between the SMTP accept and the save of `challenge.delivered` leaves the flow
        // here while the user already holds the link: the code stays redeemable.
        'code.submit': redeem,
      },
    },
    awaitingCode: {
      on: {
        'code.submit': redeem,
      },
    },
    authenticated: {
      type: 'final',
      entry: [
        'consumeChallenge',
        // The link only ever goes to the user's primary address: redeeming it proves that address.
        { type: 'recordAuthentication', params: { method: MAGIC_LINK_METHOD, verifies: 'email' as const } },
        'issueTokens',
      ],
    },
    expired: { type: 'final', entry: 'revokeChallenge' },
    deliveryFailed: { type: 'final', entry: 'revokeChallenge' },
  },
});
