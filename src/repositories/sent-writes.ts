import type { MachineTypes } from '../engine/definition.js';
import type { InstanceStore, StoreWrites } from '../engine/instance-store.js';
import type { Statement } from '../storage/prisma.js';

// A store's writes as values (StoreWrites) sent one by one inside the interactive transaction: what
// its `insert` and `update` do when no optimistic step queues them (src/engine/queued-writes.ts).

async function sendAll(statements: readonly Statement[]): Promise<void> {
  for (const statement of statements) await statement;
}

/** A store whose insert and update send its writes one by one, in the interactive transaction, and
 * which hands the same writes to an optimistic step to queue (`writes`). */
export function storeOfWrites<T extends MachineTypes>(writes: StoreWrites<T>, rest: Pick<InstanceStore<T>, 'reload' | 'moveMany'>): InstanceStore<T> {
  return { insert: (tx, created) => sendAll(writes.insert(tx, created)), update: (tx, instance, next) => sendChecked(writes.update(tx, instance, next)), ...rest, writes };
}

/** The version-checked UPDATE first; false (and nothing more sent) when it matched no row. */
async function sendChecked(writes: { readonly checked: Statement; readonly rest: readonly Statement[] }): Promise<boolean> {
  if ((await writes.checked) !== 1) return false;
  await sendAll(writes.rest);
  return true;
}
