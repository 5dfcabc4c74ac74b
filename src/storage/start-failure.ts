/**
 * Why a start could not open its database, in one line an operator can act on: which file (or
 * server) and what is wrong with it — another process holds it, its filesystem is read-only or
 * full — instead of SQLite's bare "disk I/O error" or a stack out of the WebAssembly schema engine.
 */
import { accessSync, constants, existsSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { type DatabaseFaultReason, databaseFaultOf } from './database-fault.js';
import { providerOf, sqliteFilePath } from './database-url.js';
import { errorCodeOf } from '../fields.js';

export class StorageStartError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StorageStartError';
  }
}

/** Below this much free space the filesystem is what failed the start (SQLite needs a few pages). */
const NEARLY_FULL_BYTES = 1024 * 1024;

/** The schema engine reports driver errors as text: SQLite's messages (and the adapter's name for
 * SQLITE_BUSY, which the engine cannot even parse: "unknown variant `SocketTimeout`"). */
const MESSAGE_REASONS: readonly [RegExp, DatabaseFaultReason][] = [
  [/SocketTimeout|database is locked|SQLITE_BUSY/i, 'locked'],
  [/database or disk is full|SQLITE_FULL|ENOSPC/i, 'full'],
  [/readonly database|read-only file system|SQLITE_READONLY|EROFS/i, 'read-only'],
  [/disk I\/O error|unable to open database file|SQLITE_IOERR|SQLITE_CANTOPEN/i, 'i/o error'],
];

/** The first line of a message: the rest of an engine error is its WebAssembly stack. */
function firstLine(message: string): string {
  return message.split('\n', 1)[0]?.trim() ?? '';
}

function reasonOf(error: unknown): DatabaseFaultReason | null {
  const fault = databaseFaultOf(error);
  if (fault !== null) return fault.reason;
  const message = error instanceof Error ? error.message : String(error);
  return MESSAGE_REASONS.find(([pattern]) => pattern.test(message))?.[1] ?? null;
}

/** The folder of a path, or the nearest one above it that exists (the server creates the rest). */
function nearestFolder(path: string): string {
  let dir = dirname(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** What is wrong with the place of a SQLite file, looked at once the database has failed. */
function placeProblem(file: string): string | null {
  const dir = nearestFolder(file);
  try {
    accessSync(dir, constants.W_OK);
  } catch (error) {
    const code = errorCodeOf(error);
    return code === 'EROFS' ? `${dir} is on a read-only filesystem` : `${dir} is not writable by this process (${code})`;
  }
  const { bavail, bsize } = statfsSync(dir);
  if (bavail * bsize < NEARLY_FULL_BYTES) return `the filesystem holding ${dir} is full (${Math.floor((bavail * bsize) / 1024)} KiB free)`;
  if (existsSync(file)) {
    try {
      accessSync(file, constants.W_OK);
    } catch (error) {
      return `${file} is not writable by this process (${errorCodeOf(error)})`;
    }
  }
  return null;
}

/**
 * `error`, met while migrating or opening the database at start, as one line naming the file.
 * `migrating`: the schema engine was applying migrations; another process kept the file locked
 * for the whole wait (a busy server of the older release does), and a migration should run without
 * a server of the older release anyway. Otherwise a lock is only held for the other's write.
 */
export function storageStartError(error: unknown, databaseUrl: string, migrating = false): StorageStartError {
  if (error instanceof StorageStartError) return error;
  const said = firstLine(error instanceof Error ? error.message : String(error));
  if (providerOf(databaseUrl) !== 'sqlite') return new StorageStartError(said, { cause: error });
  const file = sqliteFilePath(databaseUrl);
  const reason = reasonOf(error);
  if (reason === 'locked') {
    const why = migrating ? 'a migration must run alone: stop the other process (a server or `keys rotate` on this file), then start again' : 'start again once it is done';
    return new StorageStartError(`the SQLite database ${file} is locked by another process; ${why}`, { cause: error });
  }
  // Whatever the error says (the schema engine may only say "External error"), a start that failed
  // on a read-only or full filesystem failed because of it.
  const problem = placeProblem(file) ?? (reason === null ? null : `${reason} (${said})`);
  if (problem === null) return new StorageStartError(said, { cause: error });
  return new StorageStartError(`cannot write the SQLite database ${file}: ${problem}`, { cause: error });
}
