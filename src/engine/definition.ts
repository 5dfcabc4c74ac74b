import type { AnyStateMachine } from 'xstate';
import type { Answer, Answers } from '../../machines/shared/answers.js';
import type { Provider } from '../storage/migrate.js';
import type { Statement, Tx } from '../storage/prisma.js';
import type { SchemaCheck } from '../corrupt-row.js';
import type { Instance, InstanceStore, MachineTypes } from './instance-store.js';

export type { Instance, LoggedEvent, MachineTypes } from './instance-store.js';

// The types the runner speaks. A machine is registered with its definition (the statechart, the
// effects it names, what of each event the log keeps, the answer of each outcome), the store that
// persists its instances, and the handlers that perform its effects. Everything between the runner
// and a use case is typed per machine: effects take typed params and return typed outputs, which
// the runner hands back to the use case in the step (never a mutable results object).

/** An event as a use case or effect hands it in: the runner stamps `at`. (The `extends` on `infer`
 * lets the runner see any machine's event input as `{ type }` without asserting it.) */
export type EventInput<T extends MachineTypes> = T['event'] extends infer E extends MachineTypes['event'] ? (E extends unknown ? Omit<E, 'at'> : never) : never;

/** Per event type, the fields the event log keeps: every field that feeds a guard or an assign,
 * never a secret (a secret never enters an event; where one feeds a decision, the event carries
 * the verdict). */
type LogPolicy<E extends { readonly type: string }> = {
  readonly [K in E['type']]: readonly Exclude<keyof Extract<E, { readonly type: K }>, 'type' | 'at'>[];
};

export interface MachineDefinition<T extends MachineTypes> {
  readonly name: string;
  readonly machine: AnyStateMachine;
  /** Bump when states or context change; instances of another version are refused (410). */
  readonly version: number;
  readonly effects: readonly (keyof T['effects'] & string)[];
  readonly logged: LogPolicy<T['event']>;
  readonly answers: Answers<T['state'], T['context']>;
  /** The context its instances keep, checked before the machine sees a stored one (./stored-context.ts). */
  readonly context: SchemaCheck<T['context']>;
  /** The input its rows keep (what a replay starts from), checked before a replay hands it to the
   * machine: instances of earlier versions carried over by a migration may lack a field or two. */
  readonly input: SchemaCheck<unknown>;
}

/** A chart as start-time checks, the visualizer and the admin views read it: any machine's
 * definition is one (no assertion: each field is a supertype of the typed one). */
export interface Chart {
  readonly name: string;
  readonly machine: AnyStateMachine;
  readonly version: number;
  readonly effects: readonly string[];
  readonly answers: Readonly<Record<string, Answer | ((context: never) => Answer)>>;
  readonly context: SchemaCheck<unknown>;
  readonly input: SchemaCheck<unknown>;
}

/** A registration with its types erased, for the checks at start: what each effect's handler is. */
export interface MachineRegistration {
  readonly definition: Chart;
  readonly handlers: Readonly<Record<string, { readonly phase: EffectPhase }>>;
}

/** The runner steps a use case takes in one transaction (never an effect handler: handlers get the
 * transaction only, so nothing they do calls back up into the runner). */
export interface TxSteps {
  readonly tx: Tx;
  readonly provider: Provider;
  /** Whether reads lock the rows they read (PostgreSQL FOR UPDATE): true in the interactive
   * transaction, false on an optimistic step, whose plain reads are checked by its writes instead. */
  readonly locks: boolean;
  /** A write of the use case's own (not an instance's): sent at once in the interactive transaction,
   * queued with the step's writes on an optimistic step. */
  write(statement: Statement): Promise<void>;
  start<T extends MachineTypes>(machine: RegisteredMachine<T>, args: StartArgs<T>): Promise<Step<T>>;
  send<T extends MachineTypes>(machine: RegisteredMachine<T>, instance: Instance<T>, event: EventInput<T>, request: T['request']): Promise<Step<T>>;
  /** The same event to many instances: in set-based statements where the machine moves them all
   * alike without effects (revoking every session of a user), one by one otherwise. */
  sendToAll<T extends MachineTypes>(machine: RegisteredMachine<T>, instances: readonly Instance<T>[], event: EventInput<T>, request: T['request']): Promise<number>;
}

export interface StartArgs<T extends MachineTypes> {
  readonly id: string;
  readonly input: T['input'];
  readonly create: T['create'];
  readonly request: T['request'];
  readonly appId: string;
}

export interface EffectContext<T extends MachineTypes> {
  readonly tx: Tx;
  readonly provider: Provider;
  readonly instanceId: string;
  /** The loaded row (null while the instance is being created). */
  readonly row: T['row'] | null;
  /** The context after the transition that named the effect. */
  readonly context: T['context'];
  /** The time stamped on the event being applied. */
  readonly at: number;
  readonly request: T['request'];
  /** The outputs of the effects this step performed before this one. */
  readonly outputs: EffectOutputs<T>;
}

/** What the effect `K` of machine `T` returns for the use case (the effects' index signature: anything). */
type OutputOf<T extends MachineTypes, K> = string extends K ? unknown : K extends keyof T['outputs'] ? T['outputs'][K] : undefined;

/** The outputs of the effects one step (and the after-commit effects it led to) performed. */
type EffectOutputs<T extends MachineTypes> = { readonly [K in keyof T['outputs']]?: T['outputs'][K] };

/** What an effect may report back: the event its outcome becomes, and row fields to write. An
 * after-commit effect whose outcome must not be lost also says who takes the event back when it
 * cannot be written (`unrecorded`: the database went away after the effect ran); the request then
 * answers the state already committed, and that owner records the event later. */
// biome-ignore lint/suspicious/noConfusingVoidType: void lets a handler that reports nothing be a plain function returning nothing
type EffectResult<T extends MachineTypes, O = undefined> = void | {
  readonly event?: EventInput<T>;
  /** Handed to the use case in the step (`Step.outputs`) and to the effects after this one. */
  readonly output?: O;
  readonly patch?: Partial<T['patch']>;
  /** Statements an inline effect asks to send with the instance's write (after its version-checked
   * UPDATE, in the same transaction or batch), instead of sending them itself. */
  readonly writes?: readonly Statement[];
  readonly unrecorded?: (error: unknown) => void;
};

/**
 * - `inline`: before the instance is written; may answer with an event (applied at once, and
 *   written with the instance in the same statement), with row fields of the instance (the HMAC of
 *   an issued code), or with statements for other tables (`writes`), sent with the instance's write
 *   in its transaction or batch: throwing writes nothing, so a failed request leaves nothing behind;
 * - `afterCommit`: talks to the outside world once the step is durable; its event comes back as
 *   the next step.
 * (Issue 17 retired a third phase that wrote after the instance in an open transaction: an
 * optimistic step has none open, so what an effect writes is a statement handed back.)
 */
type EffectPhase = 'inline' | 'afterCommit';

export interface EffectHandler<T extends MachineTypes, P, O = undefined> {
  readonly phase: EffectPhase;
  /** A method, not a function-typed property: its parameters compare both ways, which is what lets
   * src/engine/registered.ts see every machine's handlers as handlers of any params without an
   * assertion (the params a handler gets come from its own machine's actions). */
  run(params: P, context: EffectContext<T>): Promise<EffectResult<T, O>> | EffectResult<T, O>;
}

type EffectHandlers<T extends MachineTypes> = { readonly [K in keyof T['effects']]: EffectHandler<T, T['effects'][K], OutputOf<T, K>> };

export interface RegisteredMachine<T extends MachineTypes> {
  readonly definition: MachineDefinition<T>;
  readonly store: InstanceStore<T>;
  readonly handlers: EffectHandlers<T>;
}

/** Where one instance stands after a step. */
export interface Step<T extends MachineTypes> {
  readonly id: string;
  /** False when the machine took no transition for the event: nothing was written. */
  readonly accepted: boolean;
  readonly state: T['state'];
  readonly context: T['context'];
  readonly answer: Answer;
  /** What the effects of this step returned (after-commit ones included, once they have run). */
  readonly outputs: EffectOutputs<T>;
  /** The instance as this step left it (a sent event that patched no row field), for a later step
   * of the same request to send to: its writes may still be queued (an optimistic step), so a
   * read would not see them. */
  readonly after?: Instance<T>;
}
