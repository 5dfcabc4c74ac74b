import type { Static } from 'typebox';
import type { NoParams } from './effects.js';
import type { DeliveryInputShape, DeliveryProgressShape, Frozen } from './shapes.js';

// What the flows that send a message (passcodes, magic links) share about its delivery. The send
// keeps the rendered message beside the flow, in the flow's own transaction, before anything is
// attempted (`holdDelivery`); the first attempt follows the commit. Until its outcome comes back
// the flow stays where the send left it (the send may stop waiting first: it answers what that state
// declares, the message being on its way). An attempt that fails on an outage is retried later,
// by the delivery worker of any instance, after the flow's own schedule (`retryDelaysMs`, from
// DELIVERY_RETRY_DELAYS_MS), so no caller waits on a retry and a process that stops loses
// nothing; a failure that is the operator's or the recipient's, or the last retry's, ends the
// delivery. Either end releases the kept message.

/** In the flow's input: the waits before each retry (their number is the number of retries). */
export type DeliveryInput = Frozen<Static<typeof DeliveryInputShape>>;

/** In the flow's context: the attempts that failed so far (and when it was delivered, or why not). */
export type DeliveryProgress = Frozen<Static<typeof DeliveryProgressShape>>;

export interface DeliveryEffects {
  /** Keep the rendered message beside the flow, sealed (in the transaction, after the flow's write). */
  holdDelivery: NoParams;
  /** Attempt the delivery again after `afterMs`; `attempts` failed so far (in the transaction). */
  scheduleDelivery: { readonly afterMs: number; readonly attempts: number };
  /** The delivery ended (delivered, failed, or the flow superseded): drop the kept message. */
  releaseDelivery: NoParams;
}

export const DELIVERY_EFFECTS = ['holdDelivery', 'scheduleDelivery', 'releaseDelivery'] as const satisfies readonly (keyof DeliveryEffects)[];

/** An outage is worth another attempt while the schedule has one left (flows sent before the
 * schedule existed have none). */
export function canRetryDelivery(context: DeliveryInput & DeliveryProgress, event: { type: string }): boolean {
  return event.type === 'challenge.undeliverable' && 'fault' in event && event.fault === 'outage' && context.deliveryAttempts < (context.retryDelaysMs ?? []).length;
}

/** The retry a failed attempt leads to. */
const nextDelivery = (context: DeliveryInput & DeliveryProgress): DeliveryEffects['scheduleDelivery'] => ({
  afterMs: context.retryDelaysMs[context.deliveryAttempts] ?? 0,
  attempts: context.deliveryAttempts + 1,
});

/** A kept message whose time has come (a scheduled retry, or a first attempt a stopped process
 * never made), handed in by the delivery worker: the flow decides whether it is still sent. */
export interface DeliveryDueEvent {
  readonly type: 'delivery.due';
  readonly at: number;
}

type Targets = { readonly delivered: string; readonly retrying: string; readonly failed: string; readonly superseded: string; readonly expired: string };

const schedule = { type: 'scheduleDelivery', params: ({ context }: { context: DeliveryInput & DeliveryProgress }) => nextDelivery(context) } as const;

/**
 * The chart of a flow's message, written once for every flow that sends one. The flow's setup
 * names the actions `recordDelivered`, `countDeliveryAttempt`, `recordDeliveryFault` and the guards
 * `canRetryDelivery`, `isExpired`; `deliver` is its `deliverChallenge` action and `submit` how it
 * judges a code typed meanwhile (a timeout may hide a message the provider did accept).
 * - `sending` and `retrying` follow the outcome of each attempt; a due message (a retry, or a first
 *   attempt a stopped process never made) is sent while the code lives, dropped once it expired;
 * - `waiting` (the flow's state for a code once delivered) also follows a message still on its way:
 *   a code typed while the message was retried moves the flow there, and the delivery goes on;
 * - `anywhere else` (used, locked, replaced, failed…): a due message or a late outcome is dropped.
 */
export function deliveryChart<Deliver, Submit>(targets: Targets, deliver: Deliver, submit: Submit) {
  const attempts = {
    'challenge.delivered': { target: targets.delivered, actions: ['recordDelivered', 'releaseDelivery'] },
    'challenge.undeliverable': [
      { guard: 'canRetryDelivery', target: targets.retrying, reenter: true, actions: [schedule, 'countDeliveryAttempt'] },
      { target: targets.failed, actions: ['recordDeliveryFault', 'releaseDelivery'] },
    ],
    'challenge.superseded': { target: targets.superseded, actions: 'releaseDelivery' },
    'code.submit': submit,
    // Due: a retry, or the first attempt of a process that stopped before making it.
    'delivery.due': [{ guard: 'isExpired', target: targets.expired, actions: 'releaseDelivery' }, { actions: deliver }],
  } as const;
  return {
    sending: attempts,
    retrying: attempts,
    waiting: {
      'delivery.due': [{ guard: 'isExpired', actions: 'releaseDelivery' }, { actions: deliver }],
      'challenge.delivered': { actions: ['recordDelivered', 'releaseDelivery'] },
      'challenge.undeliverable': [{ guard: 'canRetryDelivery', actions: [schedule, 'countDeliveryAttempt'] }, { actions: ['recordDeliveryFault', 'releaseDelivery'] }],
    },
    anywhere: {
      'delivery.due': { actions: 'releaseDelivery' },
      'challenge.delivered': { actions: 'releaseDelivery' },
      'challenge.undeliverable': { actions: 'releaseDelivery' },
    },
  } as const;
}
