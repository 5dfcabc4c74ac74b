import type { FlowKind } from '../../machines/index.js';
import type { Tx } from '../storage/prisma.js';

// Effects are the names a machine declares as actions. Each flow kind maps those names to
// handlers; the runner performs them after the pure transition:
// - `transaction` handlers write in the same transaction as the snapshot (consume a code, open a
//   session); throwing rolls the whole step back, so a failed request leaves nothing half-written;
// - `afterCommit` handlers talk to the outside world (SMTP, signing) once the step is durable, and
//   may return the event that reports their outcome back to the machine.

export interface EffectFlow {
  readonly id: string;
  readonly tenantId: string;
  readonly appId: string;
  readonly kind: string;
  readonly expiresAt: number;
  readonly context: unknown;
}

export interface EffectContext {
  /** The step's transaction (for `afterCommit` handlers: the plain client). */
  readonly tx: Tx;
  readonly flow: EffectFlow;
  /** The time stamped on the event being applied. */
  readonly at: number;
  /** Values effects of one request hand to each other and to the response (never persisted). */
  readonly outputs: Map<string, unknown>;
  /** Request data the machine does not reason about (email template, claims request). */
  readonly extras: unknown;
}

export type FollowUpEvent = { readonly type: string; readonly [key: string]: unknown };

export type EffectHandler =
  | { readonly phase: 'transaction'; run(params: unknown, context: EffectContext): Promise<void> }
  | { readonly phase: 'afterCommit'; run(params: unknown, context: EffectContext): Promise<FollowUpEvent | undefined> };

export type EffectRegistry = { readonly [K in FlowKind]?: Readonly<Record<string, EffectHandler>> };
