import type { MappedError } from '@prisma/driver-adapter-utils';

// Which errors mean "the database cannot answer right now" (an outage: the caller should retry
// later), as opposed to a bug or a bad request. The one place that knows the shapes: Prisma's
// known request errors (P1xxx connection codes, P2028 transaction-manager errors, P2010/P2039
// carrying the driver adapter's error in meta.driverAdapterError), the adapters' own
// DriverAdapterError (its `cause.kind`, see @prisma/driver-adapter-utils MappedError), and what the
// drivers throw before an adapter maps it (better-sqlite3's SqliteError codes, pg's DatabaseError
// SQLSTATEs, socket errors, and pg's plain connection errors, which carry only a message).
// Called on errors only: a request that succeeds never pays for it.

export type DatabaseFaultReason =
  /** No connection can be made (refused, DNS, connect timeout). */
  | 'unreachable'
  /** A connection broke, or the server is shutting down or starting up (57P01, 57P03…). */
  | 'connection lost'
  /** The database refuses writes (SQLITE_READONLY, PostgreSQL 25006: a standby or read-only mode). */
  | 'read-only'
  /** No space left (SQLITE_FULL, PostgreSQL 53100). */
  | 'full'
  /** The storage below the database failed (SQLITE_IOERR, SQLITE_CANTOPEN, PostgreSQL 58030). */
  | 'i/o error'
  /** Held by another process past the busy timeout (SQLITE_BUSY), or out of connections (53300). */
  | 'locked'
  /** A transaction outlived its time limit: the database answered too slowly (Prisma P2028). */
  | 'too slow';

export interface DatabaseFault {
  readonly reason: DatabaseFaultReason;
  /** The driver's or Prisma's code (e.g. `57P01`, `SQLITE_FULL`, `P1001`), for the log. */
  readonly code: string;
}

/** A fault our own storage code recognised, with its classification (e.g. a statement Prisma sent
 * on a transaction it had already ended for taking too long: ./closed-transactions.ts). */
export class DatabaseFaultError extends Error {
  readonly fault: DatabaseFault;
  constructor(fault: DatabaseFault, message: string) {
    super(message);
    this.name = 'DatabaseFaultError';
    this.fault = fault;
  }
}

/** Prisma's codes that name a connection-level fault by themselves. */
const PRISMA_CODES: Readonly<Record<string, DatabaseFaultReason>> = {
  P1001: 'unreachable',
  P1002: 'unreachable',
  P1017: 'connection lost',
  P2037: 'locked',
};

/** Driver adapter error kinds (MappedError) that are faults whatever the engine. */
const ADAPTER_KINDS: Readonly<Record<string, DatabaseFaultReason>> = {
  DatabaseNotReachable: 'unreachable',
  SocketTimeout: 'unreachable',
  ConnectionClosed: 'connection lost',
  TooManyConnections: 'locked',
} satisfies Partial<Record<MappedError['kind'], DatabaseFaultReason>>;

/** PostgreSQL SQLSTATEs (exact, then by class). */
const POSTGRES_STATES: Readonly<Record<string, DatabaseFaultReason>> = {
  '25006': 'read-only',
  '53100': 'full',
  '53200': 'full',
  '53300': 'locked',
  '57P01': 'connection lost',
  '57P02': 'connection lost',
  '57P03': 'connection lost',
  '58030': 'i/o error',
};
const POSTGRES_CLASSES: Readonly<Record<string, DatabaseFaultReason>> = { '08': 'connection lost', '53': 'full' };

/** SQLite primary result codes (better-sqlite3 names extended codes `SQLITE_IOERR_WRITE`…). */
const SQLITE_CODES: Readonly<Record<string, DatabaseFaultReason>> = {
  SQLITE_FULL: 'full',
  SQLITE_READONLY: 'read-only',
  SQLITE_IOERR: 'i/o error',
  SQLITE_CANTOPEN: 'i/o error',
  SQLITE_BUSY: 'locked',
  SQLITE_LOCKED: 'locked',
};

const SOCKET_CODES: Readonly<Record<string, DatabaseFaultReason>> = {
  ECONNREFUSED: 'unreachable',
  ENOTFOUND: 'unreachable',
  EAI_AGAIN: 'unreachable',
  ETIMEDOUT: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ECONNRESET: 'connection lost',
  EPIPE: 'connection lost',
};

/** pg's own connection errors, which carry no code (pg/lib/client.js, pg-pool). */
const PG_CONNECTION_MESSAGES: readonly [RegExp, DatabaseFaultReason][] = [
  [/^Connection terminated|not queryable$/, 'connection lost'],
  [/^timeout exceeded when trying to connect$|^Query read timeout$/, 'unreachable'],
];

/** What is read of an error (and of an adapter error's `cause`, a MappedError). */
type Shape = {
  code?: unknown;
  message?: unknown;
  meta?: { driverAdapterError?: unknown };
  cause?: unknown;
  severity?: unknown;
  syscall?: unknown;
  name?: unknown;
  kind?: unknown;
  originalCode?: unknown;
};

const shapeOf = (value: unknown): Shape | null => (typeof value === 'object' && value !== null ? value : null);

/** The database fault an error stands for, or null when it is not one (a bug, a constraint…). */
export function databaseFaultOf(error: unknown): DatabaseFault | null {
  // An error, what it wraps, and the adapter error Prisma keeps in meta: a few levels at most.
  let current = shapeOf(error);
  for (let depth = 0; current !== null && depth < 4; depth++) {
    const fault = current instanceof DatabaseFaultError ? current.fault : faultOfOne(current);
    if (fault !== null) return fault;
    current = shapeOf(current.meta?.driverAdapterError) ?? shapeOf(current.cause);
  }
  return null;
}

function faultOfOne(error: Shape): DatabaseFault | null {
  const code = typeof error.code === 'string' ? error.code : undefined;
  if (code !== undefined && PRISMA_CODES[code] !== undefined) return { reason: PRISMA_CODES[code], code };
  if (code === 'P2028' && isExpiredTransaction(error.message)) return { reason: 'too slow', code };
  if (error.name === 'DriverAdapterError') return faultOfMapped(error.cause);
  if (code !== undefined && typeof error.severity === 'string') return faultOfPostgres(code);
  if (code?.startsWith('SQLITE_')) return faultOfSqlite(code);
  if (code !== undefined && typeof error.syscall === 'string' && SOCKET_CODES[code] !== undefined) return { reason: SOCKET_CODES[code], code };
  if (code === undefined && typeof error.message === 'string') {
    const message = error.message;
    const match = PG_CONNECTION_MESSAGES.find(([pattern]) => pattern.test(message));
    if (match !== undefined) return { reason: match[1], code: 'pg' };
  }
  return null;
}

/** P2028 covers every transaction-manager error; only an expired transaction is the database's
 * slowness (the start timeout is DATABASE_BUSY, the runner's own translation). */
function isExpiredTransaction(message: unknown): boolean {
  return typeof message === 'string' && /cannot be executed on an expired transaction/.test(message);
}

function faultOfMapped(cause: unknown): DatabaseFault | null {
  const mapped = shapeOf(cause);
  if (mapped === null || typeof mapped.kind !== 'string') return null;
  // better-sqlite3's adapter reports SQLITE_BUSY as SocketTimeout and the rest as kind "sqlite";
  // the driver's code name stays in originalCode.
  if (typeof mapped.originalCode === 'string' && mapped.originalCode.startsWith('SQLITE_')) return faultOfSqlite(mapped.originalCode);
  const byKind = ADAPTER_KINDS[mapped.kind];
  if (byKind !== undefined) return { reason: byKind, code: mapped.kind };
  if (mapped.kind === 'postgres' && typeof mapped.code === 'string') return faultOfPostgres(mapped.code);
  return null;
}

function faultOfPostgres(state: string): DatabaseFault | null {
  const reason = POSTGRES_STATES[state] ?? POSTGRES_CLASSES[state.slice(0, 2)];
  return reason === undefined ? null : { reason, code: state };
}

function faultOfSqlite(code: string): DatabaseFault | null {
  const primary = /^SQLITE_[A-Z]+/.exec(code)?.[0] ?? code;
  const reason = SQLITE_CODES[primary];
  return reason === undefined ? null : { reason, code };
}
