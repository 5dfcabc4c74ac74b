import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

// What counts as a committed change (the sign that ends a database outage): a write that changed
// rows, on its own or in a transaction that committed. Reads, writes that changed nothing (a
// full disk still runs them) and rolled-back transactions do not. Both engines, for real.

let db: TestDatabase;
let changes = 0;

beforeAll(async () => {
  db = await freshDatabase();
  db.storage.onChangeCommitted(() => void changes++);
});
afterAll(async () => {
  await db?.drop();
});

async function counted(work: () => Promise<unknown>): Promise<number> {
  const before = changes;
  await work().catch(() => {});
  return changes - before;
}

describe('committed changes', () => {
  it('a write that changed a row counts, once; reads and writes that changed nothing do not', async () => {
    const { db: client } = db.storage;
    expect(await counted(() => client.tenant.create({ data: { id: 'changes-1', name: 'Changes One' } }))).toBe(1);
    expect(await counted(() => client.tenant.findMany())).toBe(0);
    expect(await counted(() => client.tenant.updateMany({ where: { id: 'nobody' }, data: { name: 'x' } }))).toBe(0);
    expect(await counted(() => client.$executeRawUnsafe("UPDATE tenant SET name = 'Changes Uno' WHERE id = 'changes-1'"))).toBe(1);
  });

  it('a transaction counts when it commits a change, not when it rolls back', async () => {
    const { db: client } = db.storage;
    expect(await counted(() => client.$transaction(async (tx) => tx.tenant.create({ data: { id: 'changes-2', name: 'Changes Two' } })))).toBe(1);
    expect(
      await counted(() =>
        client.$transaction(async (tx) => {
          await tx.tenant.create({ data: { id: 'changes-3', name: 'Changes Three' } });
          throw new Error('changed its mind');
        }),
      ),
    ).toBe(0);
    expect(await counted(() => client.$transaction(async (tx) => tx.tenant.findMany()))).toBe(0);
  });

  it('the readiness probe commits a change every time', async () => {
    expect(await counted(() => db.storage.probeWrite())).toBe(1);
    expect(await counted(() => db.storage.probeWrite())).toBe(1);
  });
});
