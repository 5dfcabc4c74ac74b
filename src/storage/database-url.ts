/**
 * What a DATABASE_URL says: which database engine it names and, for SQLite, which file. Shared by
 * the migrations (./migrate.ts) and the Prisma client (./prisma.ts) so both read a URL alike.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Provider = 'sqlite' | 'postgresql';

/** The database engine a DATABASE_URL points at. */
export function providerOf(databaseUrl: string): Provider {
  if (/^file:/i.test(databaseUrl)) return 'sqlite';
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) return 'postgresql';
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(databaseUrl)?.[1];
  throw new Error(
    `DATABASE_URL must be a SQLite URL (file:<path>, e.g. file:./data/keystate.db) or a PostgreSQL URL ` +
      `(postgres://user:password@host:5432/database or postgresql://…); got ${scheme ? `a URL with scheme "${scheme}:"` : databaseUrl === '' ? 'an empty string' : 'a value that is not a URL'}`,
  );
}

/**
 * The absolute path of the database file of a `file:` URL. Relative paths are relative to
 * process.cwd(); a query string (`?…`) is ignored; `file:///abs/path` URLs are accepted.
 */
export function sqliteFilePath(databaseUrl: string): string {
  let path = databaseUrl.replace(/^file:/i, '');
  const query = path.indexOf('?');
  if (query >= 0) path = path.slice(0, query);
  if (path.startsWith('//')) return fileURLToPath(`file:${path}`);
  if (path === '') throw new Error('DATABASE_URL: a file: URL needs a path, e.g. file:./data/keystate.db');
  return resolve(process.cwd(), path);
}
