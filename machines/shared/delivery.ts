import type { NoParams } from './effects.js';
import type { DeliveryEvent } from './events.js';

// What the flows that send a message (passcodes, magic links) share about its delivery. The send
// keeps the rendered message beside the flow, in the flow's own transaction, before anything is
// attempted (`holdDelivery`); the first attempt follows the commit. An attempt that fails on an
// outage is retried later, by the delivery worker of any instance, after the flow's own schedule
// (`retryDelaysMs`, from DELIVERY_RETRY_DELAYS_MS), so no caller waits on a retry and a process
// that stops loses nothing; a failure that is the operator's or the recipient's, or the last
// retry's, ends the delivery. Either end releases the kept message.

/** In the flow's input: the waits before each retry (their number is the number of retries). */
export interface DeliveryInput {
  readonly retryDelaysMs: readonly number[];
}

/** In the flow's context: the attempts that failed so far. */
export interface DeliveryProgress {
  readonly deliveryAttempts: number;
}

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
  const failed = event as Partial<Extract<DeliveryEvent, { type: 'challenge.undeliverable' }>>;
  return event.type === 'challenge.undeliverable' && failed.fault === 'outage' && context.deliveryAttempts < (context.retryDelaysMs ?? []).length;
}

/** The retry a failed attempt leads to. */
export const nextDelivery = (context: DeliveryInput & DeliveryProgress): DeliveryEffects['scheduleDelivery'] => ({
  afterMs: context.retryDelaysMs[context.deliveryAttempts] ?? 0,
  attempts: context.deliveryAttempts + 1,
});

/**
 * How the outcome of an attempt moves a flow that is sending its message or retrying it: the same
 * for every flow that sends one, given where the flow goes (`targets`, ids of its states) and how it
 * judges a code typed meanwhile (a timeout may hide a message the provider did accept). The flow's
 * setup names the actions `recordDelivered`, `countDeliveryAttempt` and `recordDeliveryFault`.
 */
export function deliveryOutcomes<Submit>(targets: { readonly delivered: string; readonly retrying: string; readonly failed: string; readonly superseded: string }, submit: Submit) {
  return {
    'challenge.delivered': { target: targets.delivered, actions: ['recordDelivered', 'releaseDelivery'] },
    'challenge.undeliverable': [
      {
        guard: 'canRetryDelivery',
        target: targets.retrying,
        reenter: true,
        actions: [{ type: 'scheduleDelivery', params: ({ context }: { context: DeliveryInput & DeliveryProgress }) => nextDelivery(context) }, 'countDeliveryAttempt'],
      },
      { target: targets.failed, actions: ['recordDeliveryFault', 'releaseDelivery'] },
    ],
    'challenge.superseded': { target: targets.superseded, actions: 'releaseDelivery' },
    'code.submit': submit,
  } as const;
}
