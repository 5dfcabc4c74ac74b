import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatementScope } from '../../src/storage/observed-adapter.js';
import { openStorage, type Storage } from '../../src/storage/prisma.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

// The statement observer says where each statement ran (alone, in an interactive transaction, in a
// batch), and a batch `$transaction([...])` of raw statements runs and rolls back as one, through
// the shared `Db` type, on both engines (issue 17: the shapes a step may take).

let db: TestDatabase;
let observed: Storage;
const seen: { sql: string; scope: StatementScope }[] = [];

beforeAll(async () => {
  db = await freshDatabase();
  observed = await openStorage(db.url, { observe: (sql, scope) => void seen.push({ sql, scope }) });
});
afterAll(async () => {
  await observed?.close();
  await db?.drop();
});

/** Where each statement of `work` ran (COMMIT and ROLLBACK left out), as `kind:transaction sql`. */
async function scopes(work: () => Promise<unknown>): Promise<string[]> {
  seen.length = 0;
  await work().catch(() => {});
  return seen.filter(({ sql }) => !/^(COMMIT|ROLLBACK)$/.test(sql)).map(({ sql, scope }) => `${scope.kind}:${scope.transaction === null ? '-' : 'n'} ${sql.split(' ')[0]}`);
}

const values = async (names: string[]) => (await observed.db.revision.findMany({ where: { name: { in: names } }, orderBy: { name: 'asc' } })).map((row) => `${row.name}=${row.value}`);

describe('observed statements and batches', () => {
  it('tells a statement alone from one in an interactive transaction or a batch', async () => {
    const { db: client } = observed;
    expect(await scopes(() => client.$queryRaw`SELECT 1`)).toEqual(['alone:- SELECT']);
    expect(await scopes(() => client.$transaction(async (tx) => [await tx.$queryRaw`SELECT 1`, await tx.$executeRaw`DELETE FROM "revision" WHERE "name" = 'none'`]))).toEqual([
      'interactive:n SELECT',
      'interactive:n DELETE',
    ]);
    expect(await scopes(() => client.$transaction([client.$queryRaw`SELECT 1`, client.$executeRaw`DELETE FROM "revision" WHERE "name" = 'none'`]))).toEqual(['batch:n SELECT', 'batch:n DELETE']);
    // A batch of one statement is sent as that statement alone: Prisma opens no transaction for it.
    expect(await scopes(() => client.$transaction([client.$executeRaw`DELETE FROM "revision" WHERE "name" = 'none'`]))).toEqual(['alone:- DELETE']);
  });

  it('numbers each transaction, so two in a row are told apart', async () => {
    const { db: client } = observed;
    seen.length = 0;
    await client.$transaction([client.$queryRaw`SELECT 1`, client.$queryRaw`SELECT 1`]);
    await client.$transaction([client.$queryRaw`SELECT 2`, client.$queryRaw`SELECT 2`]);
    const [first, , second] = seen.filter(({ sql }) => sql.startsWith('SELECT')).map(({ scope }) => scope.transaction);
    expect(first).not.toBeNull();
    expect(second).not.toBe(first);
  });

  it('a batch of raw statements runs as one: typed results in order, and one failing rolls all back', async () => {
    const { db: client } = observed;
    const [inserted, rows] = await client.$transaction([
      client.$executeRaw`INSERT INTO "revision" ("name", "value") VALUES ('batch-a', 1), ('batch-b', 2)`,
      client.$queryRaw<{ value: number }[]>`SELECT "value" FROM "revision" WHERE "name" = 'batch-b'`,
    ]);
    expect(inserted).toBe(2);
    expect(rows.map((row) => Number(row.value))).toEqual([2]);
    // The second INSERT repeats a key: the first, already run, is rolled back with it.
    await expect(
      client.$transaction([
        client.$executeRaw`UPDATE "revision" SET "value" = 10 WHERE "name" = 'batch-a'`,
        client.$executeRaw`INSERT INTO "revision" ("name", "value") VALUES ('batch-c', 3)`,
        client.$executeRaw`INSERT INTO "revision" ("name", "value") VALUES ('batch-b', 4)`,
      ]),
    ).rejects.toThrow();
    expect(await values(['batch-a', 'batch-b', 'batch-c'])).toEqual(['batch-a=1', 'batch-b=2']);
  });
});
