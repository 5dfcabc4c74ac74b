import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { migrate, sqliteFilePath } from '../../src/storage/migrate.js';
import { openStorage, type Storage } from '../../src/storage/prisma.js';
import { freshDatabase, testEngine } from './db.js';
import { startPrivatePostgres } from './private-postgres.js';

// A database of the current test engine that a test can make fail for real, and heal:
// - SQLite: another connection takes the database's write lock (BEGIN EXCLUSIVE, as a second
//   process on the file would): every write of the server waits its busy timeout, then fails
//   ("database is locked"); reads go on (WAL);
// - PostgreSQL: a private cluster of the test's own (./private-postgres.ts) is stopped (sessions
//   end with 57P01, new connections are refused) and started again.

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
  return testEngine() === 'sqlite' ? lockedSqlite() : stoppedPostgres();
}

async function lockedSqlite(): Promise<DatabaseOutage> {
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

async function stoppedPostgres(): Promise<DatabaseOutage> {
  const cluster = await startPrivatePostgres();
  try {
    const url = await cluster.createDatabase(`ks_${randomBytes(6).toString('hex')}`);
    await migrate(url);
    const storage = await openStorage(url);
    const end = async () => {
      if (!cluster.running) await cluster.start();
    };
    return {
      url,
      storage,
      start: () => cluster.stop(),
      end,
      async drop() {
        await storage.close();
        await cluster.destroy();
      },
    };
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
}
