import type { DeliveryFault } from '../../machines/shared/shapes.js';

// Outcomes of delivery attempts that this process holds and the flows do not know yet: an attempt
// still running when the send stopped waiting for it (DELIVERY_FIRST_ATTEMPT_MS), or an outcome
// that could not be written because the database went away after the provider answered. The
// delivery worker hands each one to its flow once its attempt has ended (./delivery-worker.ts),
// before it claims anything: while this process holds the outcome of a message, the lease the
// attempt took keeps other workers off it, and this process's own worker records the outcome
// instead of sending the message again. Lost only if the process stops (at-least-once).

/** What an attempt reports to its flow (machines/shared/events.ts, DeliveryEvent). */
export type DeliveryOutcome = { readonly type: 'challenge.delivered' } | { readonly type: 'challenge.undeliverable'; readonly reason: string; readonly fault: DeliveryFault };

interface KeptOutcome {
  readonly flowId: string;
  readonly outcome: DeliveryOutcome;
}

export interface KeptOutcomes {
  /** Holds the outcome to come of an attempt (or one already known). */
  keep(flowId: string, outcome: Promise<DeliveryOutcome>): void;
  /** The outcomes whose attempt has ended, oldest first; each stays held until `forget`. */
  ended(): readonly KeptOutcome[];
  forget(kept: KeptOutcome): void;
  /** Resolves once no held attempt (of this flow, or at all) is still running. */
  settled(flowId?: string): Promise<void>;
}

export function createKeptOutcomes(log: { warn(fields: object, message: string): void }): KeptOutcomes {
  const running = new Map<Promise<unknown>, string>();
  let ended: KeptOutcome[] = [];
  return {
    keep(flowId, outcome) {
      const settling = outcome.then(
        (known) => {
          ended.push({ flowId, outcome: known });
        },
        // Not a delivery failure (a bug): nothing to record; the message's lease ends and a
        // worker attempts it again.
        (error: unknown) => log.warn({ flowId, err: error instanceof Error ? error.message : String(error) }, 'delivery attempt failed unexpectedly'),
      );
      running.set(settling, flowId);
      void settling.then(() => running.delete(settling));
    },
    ended: () => ended,
    forget(kept) {
      ended = ended.filter((other) => other !== kept);
    },
    async settled(flowId) {
      await Promise.all([...running].filter(([, id]) => flowId === undefined || id === flowId).map(([settling]) => settling));
    },
  };
}
