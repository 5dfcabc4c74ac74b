import { assign, setup } from 'xstate';
import type { AuthMethod, Timed } from './shared/events.js';

// One-time passcodes by SMS, email or handed to the caller ("direct"; mosaic-backend-api.md
// §2.3–2.4). The send call creates the flow: unless the user is locked out of passcodes, its
// effects issue a code and deliver it. Each authenticate call submits the facts it loaded (the
// request id it was given, the session it names); the machine refuses a wrong request id or an
// unusable session BEFORE anything is counted, and only then names the effects that reserve one
// attempt in the database and compare the code in constant time (the code itself never enters an
// event). After `maxFailures` wrong codes the code is dead and the user is locked out for a while.

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
  /** When the send was asked for, and until when the user is locked out of passcodes (if at all). */
  readonly requestedAt: number;
  readonly lockedOutUntil: number | null;
}

export interface OtpContext extends OtpInput {
  readonly deliveredAt: number | null;
  /** Attempts used so far (the database's count, as reported by the last verdict). */
  readonly attempts: number;
  readonly lockedUntil: number | null;
}

/** The session an authentication names, as loaded (missing: unknown id or another tenant's). */
export type SessionFact =
  | { readonly state: 'missing' }
  | { readonly state: 'active' | 'expired' | 'terminated'; readonly userId: string; readonly expiresAt: number };

export type OtpEvent =
  | ({ readonly type: 'challenge.delivered' } & Timed)
  | ({ readonly type: 'challenge.undeliverable'; readonly reason: string } & Timed)
  | ({ readonly type: 'code.submit'; readonly requestId: string | null; readonly session: SessionFact | null } & Timed)
  | ({ readonly type: 'code.accepted'; readonly attempt: number } & Timed)
  | ({ readonly type: 'code.rejected'; readonly attempt: number } & Timed)
  /** No attempt was left to reserve: the code is dead. */
  | ({ readonly type: 'code.exhausted' } & Timed);

/** amr per channel (keystate-server.md §5 item 9): a direct code is a temporary access code. */
export const OTP_METHOD: Readonly<Record<OtpChannel, AuthMethod>> = { sms: 'sms', email: 'eotp', direct: 'otp' };

/** A submitted code is judged the same way whether the flow waits or is still verifying an earlier
 * one (a crash between the reservation and the verdict must not strand the flow). */
const submit = [
  { guard: 'isRequestIdMismatch', target: '.requestIdRefused' },
  { guard: 'isSessionRefused', target: '.sessionRefused' },
  { guard: 'isExpired', target: '#otp.expired' },
  { target: '.verifying', reenter: true },
] as const;

export const otpMachine = setup({
  types: { input: {} as OtpInput, context: {} as OtpContext, events: {} as OtpEvent },
  actions: {
    // Declared only: src/flows/otp/effects.ts performs these.
    issueChallenge: (_, _params: { kind: 'otp' }) => {},
    deliverChallenge: (_, _params: { channel: OtpChannel }) => {},
    reserveAttempt: () => {},
    comparePasscode: () => {},
    revokeChallenge: () => {},
    consumeChallenge: () => {},
    lockIdentifier: (_, _params: { until: number }) => {},
    recordAuthentication: (_, _params: { method: AuthMethod; verifies: 'email' | 'phone' | null }) => {},
    issueTokens: () => {},
    recordAttempt: assign({ attempts: ({ context, event }) => ('attempt' in event ? event.attempt : context.attempts) }),
  },
  guards: {
    isLockedOut: ({ context }) => context.lockedOutUntil !== null && context.lockedOutUntil > context.requestedAt,
    isExpired: ({ context, event }) => event.at >= context.expiresAt,
    // With generate_request_id the send returned a request id that authenticate must repeat
    // (keystate-server.md §5 item 2); a missing one is a mismatch too.
    isRequestIdMismatch: ({ context, event }) => event.type === 'code.submit' && context.requestId !== null && event.requestId !== context.requestId,
    // Unknown, other tenant's, another user's, ended or expired: never merged (§5 item 7).
    isSessionRefused: ({ context, event }) =>
      event.type === 'code.submit' &&
      event.session !== null &&
      (event.session.state !== 'active' || event.session.userId !== context.userId || event.session.expiresAt <= event.at),
    isLastAttempt: ({ context, event }) => 'attempt' in event && event.attempt >= context.maxFailures,
  },
}).createMachine({
  id: 'otp',
  context: ({ input }) => ({ ...input, deliveredAt: null, attempts: 0, lockedUntil: null }),
  initial: 'checking',
  states: {
    checking: {
      always: [{ guard: 'isLockedOut', target: 'lockedOut' }, { target: 'sending' }],
    },
    // Refused: the user is locked out of passcodes; no code is issued, nothing is delivered.
    lockedOut: { type: 'final' },
    sending: {
      entry: [
        { type: 'issueChallenge', params: { kind: 'otp' } },
        { type: 'deliverChallenge', params: ({ context }) => ({ channel: context.channel }) },
      ],
      on: {
        'challenge.delivered': { target: 'pending', actions: assign({ deliveredAt: ({ event }) => event.at }) },
        'challenge.undeliverable': { target: 'deliveryFailed' },
      },
    },
    pending: {
      initial: 'awaitingCode',
      on: {
        'code.submit': submit,
        'code.accepted': [{ guard: 'isExpired', target: 'expired' }, { target: 'authenticated', actions: 'recordAttempt' }],
        'code.rejected': [
          { guard: 'isLastAttempt', target: 'locked', actions: 'recordAttempt' },
          { target: '.wrongCode', actions: 'recordAttempt' },
        ],
        'code.exhausted': { target: 'locked' },
      },
      states: {
        awaitingCode: {},
        // Each refusal is a state of its own, so the chart and the log say what happened; the
        // code stays redeemable by the right request.
        requestIdRefused: {},
        sessionRefused: {},
        wrongCode: {},
        verifying: { entry: ['reserveAttempt', 'comparePasscode'] },
      },
    },
    authenticated: {
      type: 'final',
      entry: [
        'consumeChallenge',
        { type: 'recordAuthentication', params: ({ context }) => ({ method: OTP_METHOD[context.channel], verifies: context.verifies }) },
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
