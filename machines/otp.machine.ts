import { assign, setup } from 'xstate';
import type { AuthMethod, Timed } from './shared/events.js';

// One-time passcodes by SMS, email or handed to the caller ("direct"; mosaic-backend-api.md
// §2.3–2.4). The send call creates the flow (its effects issue the code and deliver it); each
// authenticate call brings a verdict: the service reserves an attempt in the database *before*
// comparing the code in constant time, so the event says which attempt this was. After
// `maxFailures` wrong codes the code is dead and the user is locked out of passcodes for a while.

export type OtpChannel = 'sms' | 'email' | 'direct';

export interface OtpInput {
  readonly userId: string;
  readonly channel: OtpChannel;
  /** What the authenticate call must name again: "<identifier_type>:<normalised identifier>". */
  readonly subject: string;
  /** The primary address this code proves when redeemed (none for custom targets and direct). */
  readonly verifies: 'email' | 'phone' | null;
  /** Code lifetime end, ms since epoch. */
  readonly expiresAt: number;
  readonly codeLength: number;
  readonly maxFailures: number;
  readonly lockoutMs: number;
  readonly requestId: string | null;
  readonly approvalData: Readonly<Record<string, string | number | boolean>> | null;
}

export interface OtpContext extends OtpInput {
  readonly deliveredAt: number | null;
  /** Attempts used so far (the database's count, as reported by the last verdict). */
  readonly attempts: number;
  readonly lockedUntil: number | null;
}

export type OtpEvent =
  | ({ readonly type: 'challenge.delivered' } & Timed)
  | ({ readonly type: 'challenge.undeliverable'; readonly reason: string } & Timed)
  | ({ readonly type: 'code.accepted'; readonly attempt: number; readonly requestId: string | null; readonly sessionId: string | null } & Timed)
  | ({ readonly type: 'code.rejected'; readonly attempt: number; readonly requestId: string | null } & Timed);

/** amr per channel (keystate-server.md §5 item 9): a direct code is a temporary access code. */
export const OTP_METHOD: Readonly<Record<OtpChannel, AuthMethod>> = { sms: 'sms', email: 'eotp', direct: 'otp' };

export const otpMachine = setup({
  types: { input: {} as OtpInput, context: {} as OtpContext, events: {} as OtpEvent },
  actions: {
    // Declared only: src/flows/otp/effects.ts performs these.
    issueChallenge: (_, _params: { kind: 'otp' }) => {},
    deliverChallenge: (_, _params: { channel: OtpChannel }) => {},
    revokeChallenge: () => {},
    consumeChallenge: () => {},
    lockIdentifier: (_, _params: { until: number }) => {},
    recordAuthentication: (_, _params: { method: AuthMethod; sessionId: string | null; verifies: 'email' | 'phone' | null }) => {},
    issueTokens: () => {},
    recordAttempt: assign({ attempts: ({ event }) => ('attempt' in event ? event.attempt : 0) }),
  },
  guards: {
    isExpired: ({ context, event }) => event.at >= context.expiresAt,
    isRequestIdMismatch: ({ context, event }) => 'requestId' in event && context.requestId !== null && event.requestId !== context.requestId,
    isLastAttempt: ({ context, event }) => 'attempt' in event && event.attempt >= context.maxFailures,
  },
}).createMachine({
  id: 'otp',
  context: ({ input }) => ({ ...input, deliveredAt: null, attempts: 0, lockedUntil: null }),
  initial: 'sending',
  states: {
    sending: {
      entry: [
        { type: 'issueChallenge', params: { kind: 'otp' } },
        { type: 'deliverChallenge', params: ({ context }) => ({ channel: context.channel }) },
      ],
      on: {
        'challenge.delivered': { target: 'awaitingCode', actions: assign({ deliveredAt: ({ event }) => event.at }) },
        'challenge.undeliverable': { target: 'deliveryFailed' },
      },
    },
    awaitingCode: {
      on: {
        // A request-id mismatch is no transition: the service answers system_invalid_input.
        'code.accepted': [
          { guard: 'isRequestIdMismatch' },
          { guard: 'isExpired', target: 'expired' },
          { target: 'authenticated', actions: 'recordAttempt' },
        ],
        'code.rejected': [
          { guard: 'isRequestIdMismatch' },
          { guard: 'isExpired', target: 'expired' },
          { guard: 'isLastAttempt', target: 'locked', actions: 'recordAttempt' },
          { target: 'awaitingCode', actions: 'recordAttempt' },
        ],
      },
    },
    authenticated: {
      type: 'final',
      entry: [
        'consumeChallenge',
        {
          type: 'recordAuthentication',
          params: ({ context, event }) => ({
            method: OTP_METHOD[context.channel],
            sessionId: event.type === 'code.accepted' ? event.sessionId : null,
            verifies: context.verifies,
          }),
        },
        'issueTokens',
      ],
    },
    locked: {
      type: 'final',
      entry: [
        assign({ lockedUntil: ({ context, event }) => event.at + context.lockoutMs }),
        'revokeChallenge',
        { type: 'lockIdentifier', params: ({ context, event }) => ({ until: event.at + context.lockoutMs }) },
      ],
    },
    expired: { type: 'final', entry: 'revokeChallenge' },
    deliveryFailed: { type: 'final', entry: 'revokeChallenge' },
  },
});
