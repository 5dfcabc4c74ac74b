import type { Statement } from '../storage/prisma.js';

// A store's writes as values (StoreWrites) sent one by one inside the interactive transaction: what
// its `insert` and `update` do when no optimistic step queues them (src/engine/queued-writes.ts).

export async function sendAll(statements: readonly Statement[]): Promise<void> {
  for (const statement of statements) await statement;
}

/** The version-checked UPDATE first; false (and nothing more sent) when it matched no row. */
export async function sendChecked(writes: { readonly checked: Statement; readonly rest: readonly Statement[] }): Promise<boolean> {
  if ((await writes.checked) !== 1) return false;
  await sendAll(writes.rest);
  return true;
}
