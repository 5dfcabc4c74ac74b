import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

// Every server the bench starts, real or ideal, gets a database of its own, made for it and
// removed after: a SQLite file in the run's temp folder, or a database created in the PostgreSQL
// server the bench was pointed at (the role must be allowed to CREATE DATABASE).

export type EngineName = 'sqlite' | 'postgresql';

export interface Database {
  readonly url: string;
  drop(): Promise<void>;
}

export interface Engine {
  readonly name: EngineName;
  fresh(label: string): Promise<Database>;
}

export const isPostgresUrl = (url: string | undefined): url is string => url !== undefined && /^postgres(ql)?:\/\//.test(url);

export function sqliteEngine(dir: string): Engine {
  return {
    name: 'sqlite',
    async fresh(label) {
      const file = join(dir, `${label}.db`);
      return {
        url: `file:${file}`,
        async drop() {
          for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
        },
      };
    },
  };
}

export function postgresEngine(adminUrl: string): Engine {
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    name: 'postgresql',
    async fresh(label) {
      const name = `keystate_bench_${process.pid}_${label}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
      await admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).then(() => client.query(`CREATE DATABASE "${name}"`)));
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        // FORCE: a server killed without closing its pool must not keep the database alive.
        drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
      };
    },
  };
}
