import { assign, setup } from 'xstate';
import type { OtpChannel, OtpContext, OtpInput } from './otp.context.js';
import { canRetryDelivery, DELIVERY_EFFECTS, type DeliveryEffects, deliveryChart, type DeliveryDueEvent } from './shared/delivery.js';
import { declareEffects, type NoParams } from './shared/effects.js';
import type { AuthMethod, DeliveryEvent, NamedSessionVerdict, Timed } from './shared/events.js';
import { isDisabled, isResourceRefused, type ResourceRequest } from './shared/facts.js';
import type { UserStatus } from './shared/shapes.js';
import { isLockInForce, lockout } from './shared/lockout.js';

// One-time passcodes by SMS, email or handed to the caller ("direct"; mosaic-backend-api.md
// §2.3–2.4). Read this machine and you know every outcome of a passcode:
// - a send for a disabled user ends in `userDisabled`, one while the user is locked out in
//   `lockedOut`: no code is issued or delivered;
// - otherwise a code is issued (only its HMAC is kept, beside the flow) and delivered by SMS or
//   email, or handed back in the answer (`direct`: nothing to deliver); a newer send supersedes it;
// - each authenticate call submits what it was given (the identifier, the request id, the lockout
//   in force). A lockout, a wrong request id or another identifier is refused before anything is
//   counted; then one attempt is counted (in this context, under the flow's row lock) BEFORE the
//   code is compared, and the comparison comes back as `code.accepted` / `code.rejected`;
// - a right code redeems nothing for a user disabled since the send, nor for a resource the app
//   does not list: those are told only to a request that proved the code (so nobody learns either
//   without it), the attempt stays counted and the code redeemable;
// - the `maxFailures`-th wrong code locks the user out of passcodes for `lockoutMs`;
// - a code can be redeemed once, before it expires; every later submission is refused, and each
//   refusal is a named state, kept in the flow's log.

/** The channels a code is sent on (a direct one is handed back in the answer). */
type OtpDeliveryChannel = Exclude<OtpChannel, 'direct'>;

export type OtpEvent =
  | DeliveryEvent
  | DeliveryDueEvent
  | ({
      readonly type: 'code.submit';
      /** The identifier the caller named, normalised ("<type>:<value>"). */
      readonly subject: string;
      readonly requestId: string | null;
      /** The user's passcode lockout in force, if any (loaded with the user). */
      readonly lockedOutUntil: number | null;
      readonly session: NamedSessionVerdict;
      /** The user's status as loaded for this request. */
      readonly userStatus: UserStatus;
    } & ResourceRequest &
      Timed)
  | ({ readonly type: 'code.accepted' } & Timed)
  | ({ readonly type: 'code.rejected' } & Timed)
  | ({ readonly type: 'challenge.superseded' } & Timed);

/** amr per channel (keystate-server.md §5 item 9): a direct code is a temporary access code. */
export const OTP_METHOD: Readonly<Record<OtpChannel, AuthMethod>> = { sms: 'sms', email: 'eotp', direct: 'otp' };

export interface OtpEffects extends DeliveryEffects, Record<string, unknown> {
  /** Make a code of `codeLength` digits; keep its HMAC beside the flow (inline, before the write). */
  issueChallenge: NoParams;
  /** Make one attempt at sending the kept message by SMS or email (after commit); reports
   * `challenge.delivered` / `.undeliverable`. Later attempts are the delivery worker's. */
  deliverChallenge: { readonly channel: OtpDeliveryChannel };
  /** Compare the submitted code with the kept HMAC in constant time (inline); reports the verdict. */
  comparePasscode: NoParams;
  /** Lock the user out of passcodes for this app until `until`: the handler returns `{ until }`,
   * and the use case sends `lock` to the user's lock (machines/passcode-lock.machine.ts) in the
   * same transaction. */
  lockIdentifier: { readonly until: number };
  /** The verdict, handed to the session flow's post-login step (src/flows/session/post-login.ts). */
  recordAuthentication: { readonly method: AuthMethod; readonly verifies: 'email' | 'phone' | null };
}

export const OTP_EFFECTS = ['issueChallenge', ...DELIVERY_EFFECTS, 'deliverChallenge', 'comparePasscode', 'lockIdentifier', 'recordAuthentication'] as const satisfies readonly (keyof OtpEffects)[];

/** How a submitted code is judged while one is pending (or still being verified). */
const submit = [
  // A session that cannot take this factor refuses the whole authentication, before anything is counted.
  { guard: 'isSessionRefused', target: '#otp.pending.sessionRefused' },
  { guard: 'isLockedOut', target: '#otp.lockedOut.refusingCode' },
  { guard: 'isExpired', target: '#otp.expired' },
  { guard: 'isOtherIdentifier', target: '#otp.pending.otherIdentifier' },
  { guard: 'isRequestIdMismatch', target: '#otp.pending.requestIdRefused' },
  { guard: 'hasNoAttemptLeft', target: '#otp.locked' },
  // Counted and compared like any other; only a right code learns why it redeems nothing.
  { guard: 'isResourceRefused', target: '#otp.pending.verifyingForOtherResource', reenter: true },
  { guard: 'isUserDisabled', target: '#otp.pending.verifyingForDisabledUser', reenter: true },
  { target: '#otp.pending.verifying', reenter: true },
] as const;

/** How the outcome of a delivery attempt moves a flow that is sending or retrying its message. */
const deliver = { type: 'deliverChallenge', params: ({ context }: { context: OtpContext }) => ({ channel: context.channel as OtpDeliveryChannel }) } as const;
const delivery = deliveryChart({ delivered: '#otp.pending', retrying: '#otp.retrying', failed: '#otp.deliveryFailed', superseded: '#otp.superseded', expired: '#otp.expired' }, deliver, submit);

/** Wrong guesses carried from the replaced code, while it would still have been live at this send.
 * A flow started before version 5 was handed the count itself (`carriedAttempts`): its input has no
 * `replaced`, and it replays with the count it was given. */
const carriedAttempts = (input: Pick<OtpContext, 'replaced' | 'carriedAttempts' | 'requestedAt'>): number => {
  if (input.replaced == null) return input.carriedAttempts ?? 0;
  return input.replaced.expiresAt > input.requestedAt ? input.replaced.attempts : 0;
};

/** The code's lock, by the rule every factor's follows (machines/shared/lockout.ts): its count is
 * this code's (and the replaced code's carried), never lapses while the code lives, and the
 * `maxFailures`-th failure locks for `lockoutMs`. The lock outlives the flow in the user's
 * passcode lock (`lockIdentifier`, machines/passcode-lock.machine.ts), and comes back into every later flow as `lockedOutUntil`. */
const passcodeLock = lockout<OtpContext, OtpEvent>({
  failures: (context) => ({ attempts: context.attempts, lockedUntil: context.lockedUntil, latestAt: null, lapseMs: null }),
  policy: (context) => ({ maxFailures: context.maxFailures, lockMs: context.lockoutMs }),
  submitted: () => null,
});

/** The attempt is counted on entry, before the code is compared. */
const countAndCompare = ['countAttempt', 'comparePasscode'] as const;

export const otpMachine = setup({
  types: { input: {} as OtpInput, context: {} as OtpContext, events: {} as OtpEvent },
  actions: {
    ...declareEffects<OtpEffects>(OTP_EFFECTS),
    countAttempt: assign(({ context, event }) => passcodeLock.counted(context, event.at)),
    lock: assign(({ context, event }) => passcodeLock.locked(context, event.at)),
    recordDelivered: assign({ deliveredAt: ({ event }) => event.at }),
    countDeliveryAttempt: assign({ deliveryAttempts: ({ context }) => context.deliveryAttempts + 1 }),
    recordDeliveryFault: assign({ deliveryFault: ({ event }) => (event.type === 'challenge.undeliverable' ? event.fault : null) }),
  },
  guards: {
    // A flow carried over from version 4 was judged at its send, by the version of then.
    isUserDisabledAtSend: ({ context }) => context.userStatus !== undefined && isDisabled(context.userStatus),
    isLockedOutAtSend: ({ context }) => isLockInForce(context.lockedOutUntil, context.requestedAt),
    isHandedToCaller: ({ context }) => context.channel === 'direct',
    canRetryDelivery: ({ context, event }) => canRetryDelivery(context, event),
    isLockedOut: ({ event }) => event.type === 'code.submit' && isLockInForce(event.lockedOutUntil, event.at),
    isSessionRefused: ({ event }) => event.type === 'code.submit' && event.session === 'refused',
    isUserDisabled: ({ event }) => event.type === 'code.submit' && isDisabled(event.userStatus),
    isResourceRefused: ({ event }) => event.type === 'code.submit' && isResourceRefused(event),
    isExpired: ({ context, event }) => event.at >= context.expiresAt,
    // The code was sent for one identifier: another one (even of the same user) does not redeem it.
    isOtherIdentifier: ({ context, event }) => event.type === 'code.submit' && event.subject !== context.subject,
    // With generate_request_id the send returned a request id that authenticate must repeat
    // (keystate-server.md §5 item 2); a missing one is a mismatch too.
    isRequestIdMismatch: ({ context, event }) => event.type === 'code.submit' && context.requestId !== null && event.requestId !== context.requestId,
    ...passcodeLock.guards,
  },
}).createMachine({
  id: 'otp',
  context: ({ input }) => ({ ...input, deliveredAt: null, attempts: carriedAttempts(input), lockedUntil: null, deliveryFault: null, deliveryAttempts: 0 }),
  initial: 'checking',
  // A due message or a late delivery outcome where no state below expects one: dropped.
  on: delivery.anywhere,
  states: {
    checking: {
      always: [
        { guard: 'isUserDisabledAtSend', target: 'userDisabled' },
        { guard: 'isLockedOutAtSend', target: 'lockedOut' },
        // A direct code goes back to the caller in this very answer: there is nothing to deliver.
        { guard: 'isHandedToCaller', target: 'pending', actions: 'issueChallenge' },
        { target: 'sending' },
      ],
    },
    // No code was issued: the user is locked out of passcodes. Submissions are refused while the
    // lockout lasts (auth_locked), and after it there is simply no code.
    // No code was issued: the user is disabled. A submission finds no code.
    userDisabled: { initial: 'refusedSend', states: { refusedSend: {}, noCode: {} }, on: { 'code.submit': '.noCode' } },
    lockedOut: {
      initial: 'refusedSend',
      states: { refusedSend: {}, refusingCode: {}, noCode: {} },
      on: { 'code.submit': [{ guard: 'isLockedOut', target: '.refusingCode' }, { target: '.noCode' }] },
    },
    sending: {
      // Reached for SMS and email only: `checking` hands a direct code back. The message is kept
      // beside the flow before the first attempt, so a process that stops does not lose it.
      entry: ['issueChallenge', 'holdDelivery', deliver],
      on: delivery.sending,
    },
    // An attempt failed on an outage: the send answered (the code is on its way) and the delivery
    // worker attempts again on the flow's schedule.
    retrying: { on: delivery.retrying },
    pending: {
      initial: 'awaitingCode',
      on: {
        'code.submit': submit,
        'code.accepted': { target: 'authenticated' },
        'code.rejected': [{ guard: 'isLastAttempt', target: 'locked' }, { target: '.wrongCode' }],
        'challenge.superseded': { target: 'superseded', actions: 'releaseDelivery' },
        // A code typed while its message was being retried: the delivery goes on.
        ...delivery.waiting,
      },
      states: {
        awaitingCode: {},
        // Each refusal is a state of its own, so the chart and the log say what happened; the
        // code stays redeemable by the right request.
        otherIdentifier: {},
        requestIdRefused: {},
        sessionRefused: {},
        wrongCode: {},
        verifying: { entry: countAndCompare },
        // A submission the code alone cannot redeem: counted and compared like the others, and a
        // right code ends in the refusal (a wrong one is a wrong code, as anywhere).
        verifyingForOtherResource: { entry: countAndCompare, on: { 'code.accepted': 'resourceRefused' } },
        verifyingForDisabledUser: { entry: countAndCompare, on: { 'code.accepted': 'userDisabled' } },
        resourceRefused: {},
        userDisabled: {},
      },
    },
    authenticated: {
      initial: 'redeemed',
      entry: [{ type: 'recordAuthentication', params: ({ context }) => ({ method: OTP_METHOD[context.channel], verifies: context.verifies }) }],
      states: { redeemed: {}, alreadyUsed: {} },
      on: { 'code.submit': '.alreadyUsed' },
    },
    locked: {
      initial: 'holding',
      entry: ['lock', { type: 'lockIdentifier', params: ({ context, event }) => ({ until: passcodeLock.locked(context, event.at).lockedUntil }) }],
      states: { holding: {}, refusing: {}, over: {} },
      on: { 'code.submit': [{ guard: 'isLockInForce', target: '.refusing' }, { target: '.over' }] },
    },
    expired: { initial: 'lapsed', states: { lapsed: {}, refused: {} }, on: { 'code.submit': '.refused' } },
    deliveryFailed: { initial: 'undelivered', states: { undelivered: {}, refused: {} }, on: { 'code.submit': '.refused' } },
    superseded: { initial: 'replaced', states: { replaced: {}, refused: {} }, on: { 'code.submit': '.refused' } },
  },
});
