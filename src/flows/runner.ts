import { type AnyStateMachine, initialTransition, transition } from 'xstate';
import { currentMachine, type FlowKind, machineFor, stateValueToString } from '../../machines/index.js';
import type { Clock } from '../clock.js';
import { AuthError } from '../errors.js';
import {
  appendFlowEvent,
  findFlow,
  insertFlow,
  StaleFlowVersionError,
  saveFlow,
} from '../repositories/flow-repository.js';
import { newId } from '../secrets/random.js';
import type { Storage, Tx } from '../storage/prisma.js';
import type { EffectContext, EffectRegistry, FollowUpEvent } from './effects.js';

// The only code that advances a flow. One request = one event:
//   load (app-scoped) → restore the snapshot → stamp `at` from the clock → transition (pure) →
//   save with a version check + append to the event log + run the transactional effects, all in
//   one transaction → then run the after-commit effects (deliveries, signing), whose outcome
//   comes back as the next event.
// A version conflict means another request advanced the flow first: the event is re-applied to
// the fresh state (which usually rejects it), so the loser gets the answer the winner's state
// implies instead of a lost update.

const MAX_CONFLICT_RETRIES = 3;
/** Bound on effect → event → effect chains within one request. */
const MAX_FOLLOW_UPS = 4;

export interface FlowScope {
  readonly tenantId: string;
  readonly appId: string;
}

export interface FlowOutcome {
  readonly flowId: string;
  readonly kind: FlowKind;
  /** The state after the request (dotted path for nested states). */
  readonly state: string;
  readonly context: unknown;
  /** False when the machine had no transition for the event: nothing was written. */
  readonly accepted: boolean;
  /** What effects produced for the response (issued tokens, a direct link). */
  readonly outputs: ReadonlyMap<string, unknown>;
}

export interface FlowRunner {
  start(kind: FlowKind, input: unknown, scope: FlowScope, options: { expiresAt: number; extras?: unknown }): Promise<FlowOutcome>;
  send(flowId: string, scope: Pick<FlowScope, 'appId'>, event: { type: string; [key: string]: unknown }, extras?: unknown): Promise<FlowOutcome>;
  /** Read-only view of a flow (no event, no write). */
  view(flowId: string, appId: string | null): Promise<{ kind: string; state: string; context: unknown; expiresAt: number } | null>;
}

export function createFlowRunner(deps: { storage: Storage; clock: Clock; effects: EffectRegistry }): FlowRunner {
  const { storage, clock, effects } = deps;

  const stateOf = (snapshot: { value: unknown }): string => stateValueToString(snapshot.value);

  async function runTransactional(
    tx: Tx,
    kind: FlowKind,
    actions: readonly { type: string; params: unknown }[],
    context: Omit<EffectContext, 'tx'>,
  ): Promise<void> {
    for (const action of actions) {
      const handler = handlerFor(effects, kind, action.type);
      if (handler?.phase === 'transaction') await handler.run(action.params, { ...context, tx });
    }
  }

  async function runAfterCommit(
    kind: FlowKind,
    actions: readonly { type: string; params: unknown }[],
    context: Omit<EffectContext, 'tx'>,
  ): Promise<FollowUpEvent[]> {
    const followUps: FollowUpEvent[] = [];
    for (const action of actions) {
      const handler = handlerFor(effects, kind, action.type);
      if (handler?.phase !== 'afterCommit') continue;
      const event = await handler.run(action.params, { ...context, tx: storage.db });
      if (event) followUps.push(event);
    }
    return followUps;
  }

  async function applyFollowUps(
    flowId: string,
    scope: Pick<FlowScope, 'appId'>,
    followUps: FollowUpEvent[],
    outputs: Map<string, unknown>,
    extras: unknown,
    depth: number,
  ): Promise<FlowOutcome | null> {
    let last: FlowOutcome | null = null;
    for (const followUp of followUps) {
      if (depth >= MAX_FOLLOW_UPS) throw new Error(`flow ${flowId}: effect chain longer than ${MAX_FOLLOW_UPS}`);
      last = await step(flowId, scope, followUp, extras, outputs, depth + 1);
    }
    return last;
  }

  async function step(
    flowId: string,
    scope: Pick<FlowScope, 'appId'>,
    input: { type: string; [key: string]: unknown },
    extras: unknown,
    outputs: Map<string, unknown>,
    depth: number,
  ): Promise<FlowOutcome> {
    for (let attempt = 0; ; attempt++) {
      const at = clock.now();
      try {
        const result = await storage.db.$transaction(async (tx) => {
          const row = await findFlow(tx, flowId, scope.appId);
          if (row === null) throw new AuthError('FLOW_NOT_FOUND', { details: { flowId } });
          const machine = machineFor(row.kind, row.machineVersion);
          if (machine === null) throw new AuthError('FLOW_VERSION_RETIRED', { details: { flowId } });
          const kind = row.kind as FlowKind;
          const current = machine.resolveState(row.snapshot as Parameters<AnyStateMachine['resolveState']>[0]);
          const event = { ...input, at };
          if (!current.can(event)) {
            return { kind, row, snapshot: current, actions: [], accepted: false } as const;
          }
          const [next, actions] = transition(machine, current, event);
          const state = stateOf(next);
          await saveFlow(tx, flowId, row.version, { stateValue: state, snapshot: machine.getPersistedSnapshot(next) });
          await appendFlowEvent(tx, flowId, { seq: row.version + 1, type: event.type, at, state, details: auditDetails(event) });
          const effectContext = { flow: { ...row, context: next.context }, at, outputs, extras };
          await runTransactional(tx, kind, actions, effectContext);
          return { kind, row, snapshot: next, actions, accepted: true } as const;
        });
        const outcome: FlowOutcome = {
          flowId,
          kind: result.kind,
          state: stateOf(result.snapshot),
          context: result.snapshot.context,
          accepted: result.accepted,
          outputs,
        };
        if (!result.accepted) return outcome;
        const followUps = await runAfterCommit(result.kind, result.actions, {
          flow: { ...result.row, context: result.snapshot.context },
          at,
          outputs,
          extras,
        });
        return (await applyFollowUps(flowId, scope, followUps, outputs, extras, depth)) ?? outcome;
      } catch (error) {
        if (!(error instanceof StaleFlowVersionError)) throw error;
        if (attempt + 1 >= MAX_CONFLICT_RETRIES) throw new AuthError('FLOW_CONFLICT', { details: { flowId } });
      }
    }
  }

  return {
    async start(kind, input, scope, options) {
      const { machine, version } = currentMachine(kind);
      const at = clock.now();
      const flowId = newId();
      const [snapshot, actions] = initialTransition(machine, input);
      const state = stateOf(snapshot);
      const outputs = new Map<string, unknown>();
      const row = { id: flowId, ...scope, kind, machineVersion: version, stateValue: state, expiresAt: options.expiresAt };
      const effectContext = { flow: { ...row, context: snapshot.context }, at, outputs, extras: options.extras };
      await storage.db.$transaction(async (tx) => {
        await insertFlow(tx, { ...row, snapshot: machine.getPersistedSnapshot(snapshot) }, at);
        await appendFlowEvent(tx, flowId, { seq: 1, type: 'xstate.init', at, state, details: null });
        await runTransactional(tx, kind, actions, effectContext);
      });
      const followUps = await runAfterCommit(kind, actions, effectContext);
      const initial: FlowOutcome = { flowId, kind, state, context: snapshot.context, accepted: true, outputs };
      return (await applyFollowUps(flowId, scope, followUps, outputs, options.extras, 0)) ?? initial;
    },

    send(flowId, scope, event, extras) {
      return step(flowId, scope, event, extras, new Map(), 0);
    },

    async view(flowId, appId) {
      const row = await findFlow(storage.db, flowId, appId);
      if (row === null) return null;
      const snapshot = row.snapshot as { context?: unknown };
      return { kind: row.kind, state: row.stateValue, context: snapshot.context ?? null, expiresAt: row.expiresAt };
    },
  };
}

function handlerFor(effects: EffectRegistry, kind: FlowKind, type: string) {
  if (type.startsWith('xstate.')) return undefined;
  const handler = effects[kind]?.[type];
  // A machine that names an effect nobody performs is a programming error, never a silent no-op.
  if (handler === undefined) throw new Error(`no effect handler for ${kind}.${type}`);
  return handler;
}

/** Only these event fields reach the audit log: facts, never secrets or identifiers that authorize. */
const AUDITED_EVENT_FIELDS = ['reason', 'attempt'] as const;

function auditDetails(event: Record<string, unknown>): Record<string, unknown> | null {
  const details = Object.fromEntries(AUDITED_EVENT_FIELDS.filter((field) => field in event).map((field) => [field, event[field]]));
  return Object.keys(details).length === 0 ? null : details;
}
