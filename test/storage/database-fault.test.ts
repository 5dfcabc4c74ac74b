import { DriverAdapterError } from '@prisma/driver-adapter-utils';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { AuthError } from '../../src/errors.js';
import { databaseFaultOf, DatabaseFaultError } from '../../src/storage/database-fault.js';
import { Prisma } from '../../src/storage/generated/sqlite/client.js';

// Which errors are a database that cannot answer (503 DATABASE_UNAVAILABLE), in every shape they
// reach us: Prisma's errors (with the driver adapter's error in meta), the adapters' own errors,
// the drivers' errors before an adapter maps them, and pg's connection errors that carry only a
// message. The shapes are the libraries' own classes; the outage tests (test/e2e/database-outage-*)
// meet them for real.

const known = (code: string, message: string, meta: Record<string, unknown> = {}) => new Prisma.PrismaClientKnownRequestError(message, { code, clientVersion: '7.10.0', meta });
const adapter = (cause: ConstructorParameters<typeof DriverAdapterError>[0]) => new DriverAdapterError(cause);
const postgres = (code: string) =>
  adapter({ kind: 'postgres', code, severity: 'FATAL', message: `state ${code}`, detail: undefined, column: undefined, hint: undefined, originalCode: code, originalMessage: `state ${code}` });
const sqlite = (originalCode: string) => adapter({ kind: 'sqlite', extendedCode: 1, message: originalCode, originalCode, originalMessage: originalCode });
const pgDatabaseError = (code: string) => Object.assign(new pg.DatabaseError('terminating connection due to administrator command', 0, 'error'), { code, severity: 'FATAL' });

describe('databaseFaultOf', () => {
  it.each([
    ['Prisma P1001 (cannot reach the server)', known('P1001', "Can't reach database server at 127.0.0.1:5432"), 'unreachable'],
    ['Prisma P1017 (the server closed the connection)', known('P1017', 'Server has closed the connection.'), 'connection lost'],
    ['a raw statement (P2010) refused by a server shutting down (57P01)', known('P2010', 'Raw query failed', { driverAdapterError: postgres('57P01') }), 'connection lost'],
    ['a model query (P2039) on a server starting up (57P03)', known('P2039', 'Database error', { driverAdapterError: postgres('57P03') }), 'connection lost'],
    ['PostgreSQL read-only transaction (25006)', known('P2039', 'Database error', { driverAdapterError: postgres('25006') }), 'read-only'],
    ['PostgreSQL disk full (53100)', known('P2039', 'Database error', { driverAdapterError: postgres('53100') }), 'full'],
    ['PostgreSQL connection failure class 08 (08006)', postgres('08006'), 'connection lost'],
    ['PostgreSQL too many connections (TooManyConnections)', adapter({ kind: 'TooManyConnections', cause: '53300' }), 'locked'],
    ['the adapter: DatabaseNotReachable', adapter({ kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 5432 }), 'unreachable'],
    ['the adapter: ConnectionClosed', adapter({ kind: 'ConnectionClosed' }), 'connection lost'],
    ['SQLite SQLITE_FULL (model query)', known('P2039', 'Database error', { driverAdapterError: sqlite('SQLITE_FULL') }), 'full'],
    ['SQLite SQLITE_READONLY_DBMOVED', sqlite('SQLITE_READONLY_DBMOVED'), 'read-only'],
    ['SQLite SQLITE_IOERR_WRITE', sqlite('SQLITE_IOERR_WRITE'), 'i/o error'],
    [
      'SQLite SQLITE_BUSY, reported as SocketTimeout (P1008)',
      known('P1008', 'Operation has timed out', { driverAdapterError: adapter({ kind: 'SocketTimeout', originalCode: 'SQLITE_BUSY', originalMessage: 'database is locked' }) }),
      'locked',
    ],
    ['better-sqlite3 itself', new Database.SqliteError('database or disk is full', 'SQLITE_FULL'), 'full'],
    ['pg itself (57P01)', pgDatabaseError('57P01'), 'connection lost'],
    ['a socket refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect', errno: -111 }), 'unreachable'],
    ["pg's broken client", new Error('Client has encountered a connection error and is not queryable'), 'connection lost'],
    ["pg's lost connection", new Error('Connection terminated unexpectedly'), 'connection lost'],
    ["pg-pool's connect timeout", new Error('timeout exceeded when trying to connect'), 'unreachable'],
    [
      'an expired transaction (commit)',
      known('P2028', 'Transaction API error: Transaction already closed: A commit cannot be executed on an expired transaction. The timeout for this transaction was 5000 ms'),
      'too slow',
    ],
    ['an expired transaction (query)', known('P2028', 'Transaction API error: Transaction already closed: A query cannot be executed on an expired transaction.'), 'too slow'],
    ['a statement sent after its transaction ended', new DatabaseFaultError({ reason: 'too slow', code: 'P2028' }, 'late'), 'too slow'],
    ['a fault wrapped as the cause of another error', new Error('while bootstrapping', { cause: known('P1001', "Can't reach database server") }), 'unreachable'],
  ])('%s is a fault: %s', (_name, error, reason) => {
    expect(databaseFaultOf(error)?.reason).toBe(reason);
  });

  it.each([
    ['a unique violation (P2002)', known('P2002', 'Unique constraint failed', { driverAdapterError: adapter({ kind: 'UniqueConstraintViolation', constraint: { fields: ['email'] } }) })],
    [
      'a foreign key violation',
      known('P2003', 'Foreign key constraint violated', { driverAdapterError: adapter({ kind: 'ForeignKeyConstraintViolation', constraint: { index: 'user_app_user_id_fkey' } }) }),
    ],
    ['a syntax error (42601)', known('P2010', 'Raw query failed', { driverAdapterError: postgres('42601') })],
    ['a serialization failure (40001), retried elsewhere', postgres('40001')],
    ['SQLite SQLITE_CONSTRAINT', sqlite('SQLITE_CONSTRAINT_CHECK')],
    ['SQLite SQLITE_CORRUPT (not something a retry mends)', sqlite('SQLITE_CORRUPT')],
    ['the transaction start timeout (DATABASE_BUSY, translated by the runner)', known('P2028', 'Transaction API error: Unable to start a transaction in the given time.')],
    ['our own error', new AuthError('USER_NOT_FOUND')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error at all', 'a string'],
    ['nothing', null],
  ])('%s is not', (_name, error) => {
    expect(databaseFaultOf(error)).toBeNull();
  });

  it('keeps the code of what failed, for the log', () => {
    expect(databaseFaultOf(known('P2039', 'Database error', { driverAdapterError: postgres('57P01') }))).toEqual({ reason: 'connection lost', code: '57P01' });
    expect(databaseFaultOf(sqlite('SQLITE_FULL'))).toEqual({ reason: 'full', code: 'SQLITE_FULL' });
  });
});
