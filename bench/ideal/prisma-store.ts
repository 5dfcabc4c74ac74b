import { openStorage } from '../../src/storage/prisma.js';
import { type Done, openStore, type Row, type Shape, type Stmt, type Store, type Work } from './store.js';

// The ideal's SQL through Prisma: the Prisma floors. The same statements as ./store.ts, sent with
// `$queryRawUnsafe` / `$executeRawUnsafe` on the server's own Prisma set-up (src/storage/prisma.ts:
// driver adapter, serialised SQLite connection, statements kept prepared). Prisma 7 is a fixed
// choice of the project, so these are the ceilings any Prisma-based server reaches:
// - `--driver prisma` (the floor): each request in the shape the server sends it (`Shape`: one
//   interactive `$transaction`, or its reads alone and its writes as one batch `$transaction([...])`),
//   so the gap from Keystate to the floor is ours, and from the floor to the ideal Prisma's;
// - `--driver prisma-one` (the one-statement floor): one Prisma statement per request (its first,
//   the read), the rest on the plain driver: what a server sending each request as one statement
//   would pay Prisma, so the gap from the floor to it is what is left to take by sending fewer.

/** A statement that answers rows: a read, or a write with RETURNING. */
const answersRows = (text: string): boolean => /^\s*(SELECT|WITH)\b/i.test(text) || /\bRETURNING\b/i.test(text);

/** `?` placeholders, as the ideal writes them, in the dialect's syntax. */
const numbered = (text: string): string => {
  let index = 0;
  return text.replace(/\?/g, () => `$${++index}`);
};

/** A deferred write's stand-in answer: the work goes on as if it hit its one row, and the batch
 * checks that it did (every write of the ideal's works hits exactly one row). */
const DEFERRED: Done = { row: undefined, changes: 1 };

/** The rest of a work whose first statement answered `first`, as a work of its own. */
function* resumed<T>(work: Work<T>, first: Done): Work<T> {
  let next = work.next(first);
  while (next.done !== true) next = work.next(yield next.value);
  return next.value;
}

export async function prismaStore(databaseUrl: string, options: { oneStatement: boolean }): Promise<Store> {
  const storage = await openStorage(databaseUrl);
  const dialect = storage.provider;
  const text = dialect === 'postgresql' ? numbered : (sql: string) => sql;
  type Runner = Pick<typeof storage.db, '$queryRawUnsafe' | '$executeRawUnsafe'>;
  const send = (client: Runner, stmt: Stmt) => (answersRows(stmt.sql) ? client.$queryRawUnsafe<Row[]>(text(stmt.sql), ...stmt.params) : client.$executeRawUnsafe(text(stmt.sql), ...stmt.params));
  const done = (result: unknown): Done =>
    typeof result === 'number' ? { row: undefined, changes: result } : Array.isArray(result) ? { row: result[0], changes: result.length } : { row: undefined, changes: 0 };
  const execute = async (client: Runner, stmt: Stmt): Promise<Done> => done(await send(client, stmt));
  const drive = async <T>(client: Runner, work: Work<T>): Promise<T> => {
    let next = work.next();
    while (next.done !== true) next = work.next(await execute(client, next.value));
    return next.value;
  };
  /** Reads alone until the first write; every statement from there on sent as one batch. */
  const optimistic = async <T>(work: Work<T>): Promise<T> => {
    const writes: Stmt[] = [];
    let next = work.next();
    while (next.done !== true) {
      if (writes.length === 0 && answersRows(next.value.sql)) {
        next = work.next(await execute(storage.db, next.value));
        continue;
      }
      if (answersRows(next.value.sql)) throw new Error('a read after a write cannot wait for the batch: run this work in a transaction');
      writes.push(next.value);
      next = work.next(DEFERRED);
    }
    const results = writes.length === 1 && writes[0] !== undefined ? [await send(storage.db, writes[0])] : await storage.db.$transaction(writes.map((write) => send(storage.db, write)));
    if (results.some((result) => done(result).changes !== 1)) throw new Error('version conflict');
    return next.value;
  };
  const run = <T>(work: Work<T>, shape: Shape = 'transaction'): Promise<T> => {
    if (shape === 'alone') return drive(storage.db, work);
    return shape === 'optimistic' ? optimistic(work) : storage.db.$transaction((tx) => drive(tx, work));
  };
  const plain = options.oneStatement ? openStore(databaseUrl) : null;
  return {
    dialect,
    run:
      plain === null
        ? run
        : async (work, shape) => {
            const first = work.next();
            if (first.done === true) return first.value;
            return plain.run(resumed(work, await execute(storage.db, first.value)), shape === 'alone' ? 'alone' : 'transaction');
          },
    async script(sql) {
      await storage.db.$executeRawUnsafe(sql);
    },
    async close() {
      await plain?.close();
      await storage.close();
    },
  };
}
