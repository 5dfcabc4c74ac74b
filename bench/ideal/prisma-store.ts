import { openStorage } from '../../src/storage/prisma.js';
import type { Done, Row, Stmt, Store, Work } from './store.js';

// The ideal's SQL through Prisma (`--driver prisma`): the same statements and transactions as
// ./store.ts, sent with `$queryRawUnsafe` / `$executeRawUnsafe` inside `$transaction`, on the
// server's own Prisma set-up (src/storage/prisma.ts: driver adapter, serialised SQLite
// connection, statements kept prepared). Prisma 7 is a fixed choice of the project, so this is the
// ceiling any Prisma-based server reaches for a scenario's work: the bench reports it as the
// "Prisma floor" beside the ideal, and the gap between the two is Prisma's cost, not ours.

/** A statement that answers rows: a read, or a write with RETURNING. */
const answersRows = (text: string): boolean => /^\s*(SELECT|WITH)\b/i.test(text) || /\bRETURNING\b/i.test(text);

/** `?` placeholders, as the ideal writes them, in the dialect's syntax. */
const numbered = (text: string): string => {
  let index = 0;
  return text.replace(/\?/g, () => `$${++index}`);
};

export async function prismaStore(databaseUrl: string): Promise<Store> {
  const storage = await openStorage(databaseUrl);
  const dialect = storage.provider;
  const text = dialect === 'postgresql' ? numbered : (sql: string) => sql;
  type Runner = Pick<typeof storage.db, '$queryRawUnsafe' | '$executeRawUnsafe'>;
  const execute = async (client: Runner, stmt: Stmt): Promise<Done> => {
    if (answersRows(stmt.sql)) {
      const rows = await client.$queryRawUnsafe<Row[]>(text(stmt.sql), ...stmt.params);
      return { row: rows[0], changes: rows.length };
    }
    return { row: undefined, changes: await client.$executeRawUnsafe(text(stmt.sql), ...stmt.params) };
  };
  const drive = async <T>(client: Runner, work: Work<T>): Promise<T> => {
    let next = work.next();
    while (next.done !== true) next = work.next(await execute(client, next.value));
    return next.value;
  };
  return {
    dialect,
    run: <T>(work: Work<T>, transaction = true): Promise<T> => (transaction ? storage.db.$transaction((tx) => drive(tx, work)) : drive(storage.db, work)),
    async script(sql) {
      await storage.db.$executeRawUnsafe(sql);
    },
    close: () => storage.close(),
  };
}
