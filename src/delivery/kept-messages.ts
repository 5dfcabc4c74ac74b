import { Type } from 'typebox';
import type { EffectContext, EffectHandler, EventInput, MachineTypes } from '../engine/definition.js';
import { undeliverable } from './delivery-failure.js';
import { deleteDeliveryJob, insertDeliveryJob, rescheduleDeliveryJob } from '../repositories/delivery-job-repository.js';
import { Column, reader } from '../repositories/row-reader.js';
import type { Sealer } from '../secrets/sealer.js';
import type { Provider } from '../storage/database-url.js';
import type { EmailMessage, EmailSender } from './email-message.js';
import type { DeliveryOutcome, KeptOutcomes } from './kept-outcomes.js';
import { maskAddress } from './mask.js';
import type { SmsMessage, SmsSender } from './sms-message.js';

// The messages flows send (machines/shared/delivery.ts): rendered and kept beside the flow, sealed
// (they carry the code), written with the send's step; attempted once after the commit (the send waits
// for that attempt at most DELIVERY_FIRST_ATTEMPT_MS), and again by the delivery worker
// (./delivery-worker.ts) when the flow's machine schedules it.

export type KeptMessage = { readonly channel: 'email'; readonly email: EmailMessage } | { readonly channel: 'sms'; readonly sms: SmsMessage };

interface DeliveryLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface DeliveryDeps {
  readonly senders: { readonly email: EmailSender; readonly sms: SmsSender };
  readonly sealer: Sealer;
  readonly provider: Provider;
  readonly log: DeliveryLog;
  /** How long a send waits for its first attempt (DELIVERY_FIRST_ATTEMPT_MS; 0: not at all). */
  readonly firstAttemptMs: number;
  /** Where the outcome of an attempt goes when its flow cannot be told at once. */
  readonly kept: KeptOutcomes;
}

/** How long whoever attempts a message holds it: longer than one send can take (each sender caps a
 * send at three times its 10 s timeout), so a live attempt is never doubled by a worker, even one
 * that outlasted the send's wait (./kept-outcomes.ts). */
export const DELIVERY_LEASE_MS = 60_000;

const aad = (flowId: string) => `delivery-job:${flowId}`;
const sealMessage = (sealer: Sealer, flowId: string, message: KeptMessage): string => sealer.seal(JSON.stringify(message), aad(flowId));
/** A kept message as its row holds it (sealed, so only this server wrote it; parsed all the same:
 * a message kept by another version must not reach a sender in a shape it does not expect). */
const keptMessages = reader(
  'delivery_job',
  'kept message',
  Type.Union([
    Type.Object({
      channel: Type.Literal('email'),
      email: Type.Object({ to: Type.String(), subject: Type.String(), text: Type.String(), html: Type.String(), fromName: Type.Optional(Column.nullable(Type.String())) }),
    }),
    Type.Object({ channel: Type.Literal('sms'), sms: Type.Object({ to: Type.String(), body: Type.String(), senderId: Type.Optional(Column.nullable(Type.String())) }) }),
  ]),
);
export const openMessage = (sealer: Sealer, flowId: string, sealed: string): KeptMessage => keptMessages.one(JSON.parse(sealer.open(sealed, aad(flowId))));

/** One attempt at a kept message; what it reports to its flow. Never the message in a log line. */
async function attemptDelivery(deps: DeliveryDeps, flowId: string, message: KeptMessage): Promise<DeliveryOutcome> {
  const sender = message.channel === 'sms' ? deps.senders.sms : deps.senders.email;
  const fields = { flowId, channel: message.channel, via: sender.kind, to: maskAddress(message.channel === 'sms' ? message.sms.to : message.email.to) };
  try {
    if (message.channel === 'sms') await deps.senders.sms.send(message.sms);
    else await deps.senders.email.send(message.email);
    deps.log.info(fields, 'message delivered');
    return { type: 'challenge.delivered' };
  } catch (error) {
    const event = undeliverable(error);
    deps.log.warn({ ...fields, reason: event.reason, fault: event.fault }, 'message not delivered');
    return event;
  }
}

/** The work's result if it comes within `ms`; undefined otherwise (at once for 0). */
async function within<R>(work: Promise<R>, ms: number): Promise<R | undefined> {
  if (ms <= 0) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
  });
  try {
    return await Promise.race([work, timeUp]);
  } finally {
    clearTimeout(timer);
  }
}

interface DeliveringTypes extends MachineTypes {
  readonly effects: { holdDelivery: undefined; deliverChallenge: unknown; scheduleDelivery: { readonly afterMs: number; readonly attempts: number }; releaseDelivery: undefined };
  readonly request: MachineTypes['request'] & KeptMessageRequest;
  readonly outputs: { readonly holdDelivery: KeptMessage };
}

/** What the delivery worker hands a flow with `delivery.due`: the kept message, opened. */
export interface KeptMessageRequest {
  readonly kept?: KeptMessage;
}

/** The effects of a flow's kept message; `render` makes the message from what the send holds. */
export function keptMessageHandlers<T extends DeliveringTypes>(deps: DeliveryDeps, render: (effect: EffectContext<T>) => KeptMessage) {
  // The job's statements go with the flow's write (inline effects' `writes`): in its transaction,
  // or in its batch on an optimistic step.
  const holdDelivery: EffectHandler<T, undefined, KeptMessage> = {
    phase: 'inline',
    run(_params, effect) {
      const message = render(effect);
      const job = {
        flowId: effect.instanceId,
        channel: message.channel,
        message: sealMessage(deps.sealer, effect.instanceId, message),
        attempts: 0,
        at: effect.at,
        leaseUntil: effect.at + DELIVERY_LEASE_MS,
      };
      // The message itself for this step's first attempt, after the commit (deliverChallenge).
      return { output: message, writes: [insertDeliveryJob(effect.tx, deps.provider, job)] };
    },
  };
  const deliverChallenge: EffectHandler<T, unknown> = {
    phase: 'afterCommit',
    async run(_params, effect) {
      // The message this step kept, or the one the worker opened for a retry.
      const message: KeptMessage | undefined = effect.outputs.holdDelivery ?? effect.request.kept;
      if (message === undefined) throw new Error('deliverChallenge ran without a kept message');
      const flowId = effect.instanceId;
      const attempt = attemptDelivery(deps, flowId, message);
      const outcome = await within(attempt, deps.firstAttemptMs);
      if (outcome === undefined) {
        // The caller stops waiting: its answer is what the flow's state says while the message is
        // on its way. The attempt goes on under the lease the send took; the worker records it.
        deps.kept.keep(flowId, attempt);
        return;
      }
      const unrecorded = (error: unknown) => {
        deps.log.warn({ flowId, err: error instanceof Error ? error.message : String(error) }, 'delivery outcome kept: not recorded yet');
        deps.kept.keep(flowId, Promise.resolve(outcome));
      };
      return { event: outcome as EventInput<T>, unrecorded };
    },
  };
  const scheduleDelivery: EffectHandler<T, { readonly afterMs: number; readonly attempts: number }> = {
    phase: 'inline',
    run: ({ afterMs, attempts }, effect) => ({ writes: [rescheduleDeliveryJob(effect.tx, deps.provider, effect.instanceId, { attempts, dueAt: effect.at + afterMs })] }),
  };
  const releaseDelivery: EffectHandler<T, undefined> = {
    phase: 'inline',
    run: (_params, effect) => ({ writes: [deleteDeliveryJob(effect.tx, effect.instanceId)] }),
  };
  return { holdDelivery, deliverChallenge, scheduleDelivery, releaseDelivery };
}
