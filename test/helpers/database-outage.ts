import Database from 'better-sqlite3';
import { sqliteFilePath } from '../../src/storage/migrate.js';
import type { Storage } from '../../src/storage/prisma.js';
import { freshDatabase, testEngine } from './db.js';

// A database of the current test engine that a test can make fail for real, and heal:
// - SQLite: another connection takes the database's write lock (BEGIN EXCLUSIVE, as a second
//   process on the file would): every write of the server waits its busy timeout, then fails
//   ("database is locked"); reads go on (WAL);
// - PostgreSQL: TODO(15) a private cluster that is stopped and started again.

export interface DatabaseOutage {
  readonly url: string;
  /** The test's own connection, to look at what the server wrote (outside an outage). */
  readonly storage: Storage;
  /** From now on the server's writes fail. */
  start(): Promise<void>;
  /** The database works again (idempotent). */
  end(): Promise<void>;
  drop(): Promise<void>;
}

export async function databaseOutage(): Promise<DatabaseOutage> {
  if (testEngine() !== 'sqlite') throw new Error('TODO(15): PostgreSQL outage');
  const db = await freshDatabase();
  let holder: Database.Database | null = null;
  const end = async () => {
    holder?.exec('ROLLBACK');
    holder?.close();
    holder = null;
  };
  return {
    url: db.url,
    storage: db.storage,
    async start() {
      holder = new Database(sqliteFilePath(db.url));
      holder.exec('BEGIN EXCLUSIVE');
    },
    end,
    async drop() {
      await end();
      await db.drop();
    },
  };
}
