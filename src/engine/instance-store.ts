import type { Provider } from '../storage/migrate.js';
import type { Statement, Tx } from '../storage/prisma.js';

// The instances the runner steps (the types each machine is typed by, an instance as loaded, its
// log's entries) and how they are persisted: what a store writes and reads back, where a step reads.

/** The type parameters of one machine, bundled. */
export interface MachineTypes {
  readonly input: object;
  readonly context: object;
  readonly event: { readonly type: string; readonly at: number };
  readonly effects: Record<string, unknown>;
  readonly state: string;
  /** What a request hands to the effects: the calling app and request data the machine does not
   * reason about. Read-only: what effects produce comes back as their outputs. */
  readonly request: { readonly app: { readonly id: string } };
  /** Per effect name, what its handler returns for the use case (and for the effects after it in
   * the same step); an effect not named here returns nothing. */
  readonly outputs: object;
  /** The store's own fields of a loaded instance (scope, lookup columns). */
  readonly row: object;
  /** What the use case gives the store to create an instance (scope, lookup columns). */
  readonly create: object;
  /** Row fields inline effects may set in the same write (e.g. the HMAC of an issued code). */
  readonly patch: object;
}

/** One entry of an instance's event log. `seq` 1 is the creation (`xstate.init`). */
export interface LoggedEvent {
  readonly seq: number;
  readonly type: string;
  readonly at: number;
  /** The state the event led to (dotted path). */
  readonly state: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** An instance as its store loaded it. */
export interface Instance<T extends MachineTypes> {
  readonly id: string;
  readonly machineVersion: number;
  /** Incremented by every write: the version check that serialises events on one instance. */
  readonly version: number;
  readonly stateValue: string;
  readonly context: T['context'];
  readonly row: T['row'];
}

export interface Created<T extends MachineTypes> {
  readonly id: string;
  readonly machineVersion: number;
  readonly input: T['input'];
  readonly stateValue: string;
  readonly context: T['context'];
  readonly events: readonly LoggedEvent[];
  readonly create: T['create'];
  readonly patch: Partial<T['patch']>;
}

export interface Written<T extends MachineTypes> {
  readonly stateValue: string;
  readonly context: T['context'];
  /** The events this write appends to the log (several when inline effects answered at once). */
  readonly events: readonly LoggedEvent[];
  readonly patch: Partial<T['patch']>;
  /** Who caused the write (kept in the log of instances shared by apps, e.g. sessions). */
  readonly appId: string;
}

/** Where a step reads: its transaction (or the database, on an optimistic step), and whether its
 * reads take row locks (PostgreSQL FOR UPDATE: in the interactive transaction only). */
export interface ReadScope {
  readonly tx: Tx;
  readonly provider: Provider;
  readonly locks: boolean;
}

/** How instances of one machine are persisted. Every write is one statement: the row and its log. */
export interface InstanceStore<T extends MachineTypes> {
  insert(tx: Tx, created: Created<T> & { readonly appId: string }): Promise<void>;
  /** False when the instance changed since it was loaded (the version check failed). */
  update(tx: Tx, instance: Instance<T>, next: Written<T>): Promise<boolean>;
  /** The instance by id, for the follow-up events of after-commit effects (locked on PostgreSQL
   * where the read locks: in the interactive transaction). */
  reload(read: ReadScope, id: string): Promise<Instance<T> | null>;
  /** One uniform move of many instances in set-based statements (an event that changes no context
   * and leads every one of them to the same state); false when one changed concurrently. */
  moveMany?(tx: Tx, instances: readonly Instance<T>[], move: { readonly stateValue: string; readonly event: Omit<LoggedEvent, 'seq'>; readonly appId: string }): Promise<boolean>;
  /** The same writes as statements not yet sent, for the optimistic step (src/engine/queued-writes.ts):
   * a store that gives them lets its machine's steps be sent in one batch after the work. */
  readonly writes?: StoreWrites<T>;
}

/**
 * A store's writes as values. `checked` is the version-checked UPDATE of the step; every statement
 * in `rest` must FAIL when `checked` matched no row (the log's (owner, seq) key is already taken by
 * the winner's entry, or the row is gone), so that a batch of them rolls back whole on a lost race.
 * A store whose step is that one UPDATE (`rest` empty: a flow keeps its log in its row) gives
 * `guarded` instead: the same write as statements that fail when it matched no row, for a batch
 * shared with other writes (alone, `checked`'s count says it).
 */
export interface StoreWrites<T extends MachineTypes> {
  insert(db: Tx, created: Created<T> & { readonly appId: string }): readonly Statement[];
  update(db: Tx, instance: Instance<T>, next: Written<T>): StepWrites;
}

/** One step's writes of an instance (StoreWrites.update). */
interface StepWrites {
  readonly checked: Statement;
  readonly rest: readonly Statement[];
  readonly guarded?: () => readonly Statement[];
}
