import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

// What counts as a committed change (the sign that ends a database outage): a write that changed
// rows, on its own or in a transaction that committed. Reads, writes that changed nothing (a
// full disk still runs them) and rolled-back transactions do not. Both engines, for real.

let db: TestDatabase;

beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => {
  await db?.drop();
});

/** Whether `work` committed a change, as someone waiting for one (an outage) sees it. */
async function committed(work: () => Promise<unknown>): Promise<boolean> {
  let seen = false;
  void db.storage.nextChangeCommitted().then(() => {
    seen = true;
  });
  await work().catch(() => {});
  // What the wait does when it wakes runs after the statement's own continuation.
  await new Promise((resolve) => setImmediate(resolve));
  return seen;
}

describe('committed changes', () => {
  it('a write that changed a row counts; reads and writes that changed nothing do not', async () => {
    const { db: client } = db.storage;
    expect(await committed(() => client.tenant.create({ data: { id: 'changes-1', name: 'Changes One' } }))).toBe(true);
    expect(await committed(() => client.tenant.findMany())).toBe(false);
    expect(await committed(() => client.tenant.updateMany({ where: { id: 'nobody' }, data: { name: 'x' } }))).toBe(false);
    expect(await committed(() => client.$executeRawUnsafe("UPDATE tenant SET name = 'Changes Uno' WHERE id = 'changes-1'"))).toBe(true);
  });

  it('a transaction counts when it commits a change, not when it rolls back', async () => {
    const { db: client } = db.storage;
    expect(await committed(() => client.$transaction(async (tx) => tx.tenant.create({ data: { id: 'changes-2', name: 'Changes Two' } })))).toBe(true);
    expect(
      await committed(() =>
        client.$transaction(async (tx) => {
          await tx.tenant.create({ data: { id: 'changes-3', name: 'Changes Three' } });
          throw new Error('changed its mind');
        }),
      ),
    ).toBe(false);
    expect(await committed(() => client.$transaction(async (tx) => tx.tenant.findMany()))).toBe(false);
  });

  it('the readiness probe commits a change every time', async () => {
    expect(await committed(() => db.storage.probeWrite())).toBe(true);
    expect(await committed(() => db.storage.probeWrite())).toBe(true);
  });
});
