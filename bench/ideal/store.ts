import Database from 'better-sqlite3';
import pg from 'pg';

// Hand-written SQL with nothing in between: each piece of work is a generator that yields its
// statements and receives their results, so one text of the logic runs on both engines. On SQLite
// it runs synchronously inside a better-sqlite3 transaction (nothing else can interleave: the
// event loop is held); on PostgreSQL it runs on one pooled connection between BEGIN and COMMIT,
// with named (server-side prepared) statements.

export type Row = Record<string, unknown>;
export interface Stmt {
  readonly sql: string;
  readonly params: readonly unknown[];
}
export interface Done {
  /** First row returned (SELECT or RETURNING), if any. */
  readonly row: Row | undefined;
  readonly changes: number;
}
export type Work<T> = Generator<Stmt, T, Done>;

export type Dialect = 'sqlite' | 'postgresql';

/** How a request's statements are sent: `alone` (a single read), in one `transaction`, or
 * `optimistic`: its reads alone, then its writes as one atomic batch (a lost race is caught by the
 * writes' version checks). The plain driver runs `optimistic` as a transaction (on better-sqlite3 a
 * transaction costs next to nothing); the Prisma floor sends it as the server does. */
export type Shape = 'alone' | 'transaction' | 'optimistic';

export interface Store {
  readonly dialect: Dialect;
  /** Runs the work in the given shape (default: one transaction). */
  run<T>(work: Work<T>, shape?: Shape): Promise<T>;
  script(sql: string): Promise<void>;
  close(): Promise<void>;
}

export const sql = (text: string, ...params: unknown[]): Stmt => ({ sql: text, params });

/** A JSON column's value: text on SQLite, already parsed (jsonb) on PostgreSQL. */
export const jsonOf = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;

/** The same pragmas as src/storage/prisma.ts (WAL, foreign keys, 5 s busy timeout). */
function sqliteStore(file: string): Store {
  const db = new Database(file, { timeout: 5_000 });
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  // Prepared once, like an ideal driver would (the Prisma adapter prepares on every call).
  const prepared = new Map<string, Database.Statement>();
  const statement = (text: string) => {
    let found = prepared.get(text);
    if (found === undefined) {
      found = db.prepare(text);
      prepared.set(text, found);
    }
    return found;
  };
  const execute = (stmt: Stmt): Done => {
    const prepared = statement(stmt.sql);
    if (prepared.reader) return { row: prepared.get(...stmt.params) as Row | undefined, changes: 0 };
    return { row: undefined, changes: prepared.run(...stmt.params).changes };
  };
  const drive = <T>(work: Work<T>): T => {
    let next = work.next();
    while (next.done !== true) next = work.next(execute(next.value));
    return next.value;
  };
  const inTransaction = db.transaction((work: Work<unknown>) => drive(work));
  return {
    dialect: 'sqlite',
    run: async <T>(work: Work<T>, shape: Shape = 'transaction'): Promise<T> => (shape === 'alone' ? drive(work) : (inTransaction(work) as T)),
    async script(text) {
      db.exec(text);
    },
    async close() {
      db.close();
    },
  };
}

/** Prisma's pg adapter uses a pg.Pool with its default size (10): the ideal uses the same. */
function postgresStore(url: string): Store {
  const pool = new pg.Pool({ connectionString: url });
  const named = new Map<string, { name: string; text: string }>();
  const query = (stmt: Stmt) => {
    let found = named.get(stmt.sql);
    if (found === undefined) {
      let index = 0;
      found = { name: `ideal_${named.size}`, text: stmt.sql.replace(/\?/g, () => `$${++index}`) };
      named.set(stmt.sql, found);
    }
    return { ...found, values: stmt.params as unknown[] };
  };
  return {
    dialect: 'postgresql',
    async run(work, shape = 'transaction') {
      const transaction = shape !== 'alone';
      const client = await pool.connect();
      try {
        if (transaction) await client.query('BEGIN');
        let next = work.next();
        while (next.done !== true) {
          const result = await client.query(query(next.value));
          next = work.next({ row: result.rows[0] as Row | undefined, changes: result.rowCount ?? 0 });
        }
        if (transaction) await client.query('COMMIT');
        return next.value;
      } catch (error) {
        if (transaction) await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async script(text) {
      await pool.query(text);
    },
    async close() {
      await pool.end();
    },
  };
}

export function openStore(databaseUrl: string): Store {
  if (databaseUrl.startsWith('file:')) return sqliteStore(databaseUrl.slice('file:'.length));
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return postgresStore(databaseUrl);
  throw new Error(`unsupported database URL: ${databaseUrl}`);
}
