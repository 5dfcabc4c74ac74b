import { isForeignKeyViolation, isStaleGuard, isTransactionStartTimeout, isUniqueViolation, isWriteConflict } from '../repositories/prisma-errors.js';
import { databaseBusy, StaleInstanceError } from '../repositories/retried-transaction.js';
import type { Db, Statement } from '../storage/prisma.js';
import type { Instance, MachineTypes } from './definition.js';
import type { Created, InstanceStore, Written } from './instance-store.js';
import type { Queued, StepScope } from './settle.js';

// Where a step's statements go. In the interactive transaction each is sent as it comes, the
// version-checked UPDATE first, so a stale instance throws before anything else is written. On an
// optimistic step (issue 17) nothing is sent during the work: the statements are queued, then sent
// as ONE statement when there is one, or as one batch `$transaction([...])`, which commits or rolls
// back whole. A lost race shows as a version-checked UPDATE that matched nothing (alone) or as a
// statement of the batch that failed because of it (the log's (owner, seq) key the winner took, the
// row the winner deleted): nothing was written, and the runner runs the work again, locked.

function storeWrites<T extends MachineTypes>(name: string, store: InstanceStore<T>) {
  if (store.writes === undefined) throw new Error(`${name}: its store sends its own writes; take its steps in runner.transaction`);
  return store.writes;
}

/** Writes a new instance (and the statements its inline effects asked for). */
export async function insertInstance<T extends MachineTypes>(
  scope: StepScope,
  machine: { readonly name: string; readonly store: InstanceStore<T> },
  created: Created<T> & { readonly appId: string },
  writes: readonly Statement[],
): Promise<void> {
  if (scope.queue !== null) {
    const statements = [...storeWrites(machine.name, machine.store).insert(scope.tx, created), ...writes];
    scope.queue.push(...statements.map((statement) => ({ statement, checked: false })));
    return;
  }
  await machine.store.insert(scope.tx, created);
  for (const statement of writes) await statement;
}

/** Writes a step of a loaded instance; throws StaleInstanceError when the version check fails
 * (at once in the interactive transaction, when the batch is sent on an optimistic step). */
export async function updateInstance<T extends MachineTypes>(
  scope: StepScope,
  machine: { readonly name: string; readonly store: InstanceStore<T> },
  instance: Instance<T>,
  next: Written<T>,
  writes: readonly Statement[],
): Promise<void> {
  if (scope.queue !== null) {
    const { checked, rest, guarded } = storeWrites(machine.name, machine.store).update(scope.tx, instance, next);
    scope.queue.push({ statement: checked, checked: true, guarded }, ...[...rest, ...writes].map((statement) => ({ statement, checked: false })));
    return;
  }
  if (!(await machine.store.update(scope.tx, instance, next))) throw new StaleInstanceError(instance.id);
  for (const statement of writes) await statement;
}

/** A write of the use case's own: sent at once, or queued with the step's. */
export async function writeOwn(scope: StepScope, statement: Statement): Promise<void> {
  if (scope.queue === null) await statement;
  else scope.queue.push({ statement, checked: false });
}

/** A failure of the batch that means another request moved the instance first (nothing written). */
const lostRace = (error: unknown): boolean => isUniqueViolation(error) || isForeignKeyViolation(error) || isWriteConflict(error) || isStaleGuard(error);

/** The statements of a batch: a checked UPDATE in its guarded form where its store gives one (nothing
 * else of its store would fail on a lost race); `counted` when its count must be 1. */
const batched = (queue: readonly Queued[]) =>
  queue.flatMap((queued) => queued.guarded?.().map((statement) => ({ statement, counted: false })) ?? [{ statement: queued.statement, counted: queued.checked }]);

/** Sends what an optimistic step queued; false when it lost a race (then nothing was written). */
export async function sendQueued(db: Db, queue: readonly Queued[]): Promise<boolean> {
  const [only] = queue;
  try {
    if (only === undefined) return true;
    // One statement needs no transaction: the UPDATE's version check is the whole guard.
    if (queue.length === 1) {
      // Awaited whatever it is: a statement is sent only when awaited (Prisma's are lazy).
      const count = await only.statement;
      return !only.checked || count === 1;
    }
    const sent = batched(queue);
    const results = await db.$transaction(sent.map((one) => one.statement));
    // The statements after a stale UPDATE fail by contract (StoreWrites), so this cannot be reached
    // without a store breaking it; then the batch has committed, and the request must not answer.
    if (sent.some((one, index) => one.counted && results[index] !== 1)) throw new Error('a stale step committed: its store let the batch through');
    return true;
  } catch (error) {
    // Nothing was written: the caller is told to retry (503), as in the interactive transaction.
    if (isTransactionStartTimeout(error)) throw databaseBusy();
    if (lostRace(error)) return false;
    throw error;
  }
}
