import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStaleGuard } from '../../src/repositories/prisma-errors.js';
import { checkedUpdate } from '../../src/repositories/stale-guard.js';
import { sql } from '../../src/storage/sql.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

// Issue 17: a flow's step is one version-checked UPDATE; when other writes share its batch, its
// guarded form must take the whole batch down when it matched no row (another request stepped the
// flow first), on each engine, and let it through when it matched one. Any UPDATE shows it: here a
// tenant's, beside the INSERT of another tenant standing for the step's other writes.

let db: TestDatabase;

beforeAll(async () => {
  db = await freshDatabase();
  await db.storage.db.tenant.create({ data: { id: 'guarded', name: 'Guarded' } });
});

afterAll(async () => {
  await db?.drop();
});

/** The guarded UPDATE of tenant `id` (renaming it), then an INSERT of tenant `other`, as one batch. */
function batch(id: string, other: string) {
  const { db: client, provider } = db.storage;
  const step = checkedUpdate(client, provider, sql`UPDATE "tenant" SET "name" = ${`Renamed by ${other}`} WHERE "id" = ${id}`);
  return client.$transaction([...step.guarded(), client.$executeRaw`INSERT INTO "tenant" ("id", "name") VALUES (${other}, ${other})`]);
}

describe('the guarded UPDATE of a step (src/repositories/stale-guard.ts)', () => {
  it('that matched no row rolls its batch back with the stale marker: nothing of it is written', async () => {
    const error = await batch('gone', 'after-stale').then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(isStaleGuard(error)).toBe(true);
    expect(await db.storage.db.tenant.findUnique({ where: { id: 'after-stale' } })).toBeNull();
  });

  it('that matched its row lets its batch commit whole', async () => {
    await batch('guarded', 'after-fresh');
    expect((await db.storage.db.tenant.findUnique({ where: { id: 'guarded' } }))?.name).toBe('Renamed by after-fresh');
    expect(await db.storage.db.tenant.findUnique({ where: { id: 'after-fresh' } })).not.toBeNull();
  });

  it('alone, is the plain UPDATE whose count says whether it won', async () => {
    const { db: client, provider } = db.storage;
    expect(await checkedUpdate(client, provider, sql`UPDATE "tenant" SET "name" = ${'Alone'} WHERE "id" = ${'gone'}`).checked).toBe(0);
    expect(await checkedUpdate(client, provider, sql`UPDATE "tenant" SET "name" = ${'Alone'} WHERE "id" = ${'guarded'}`).checked).toBe(1);
  });
});
