import { describe, expect, it } from 'vitest';
import { createDatabaseOutage } from '../../src/storage/database-outage.js';
import { manualClock } from '../helpers/clock.js';

// The outage's log: one line when the database starts failing, one when the next committed change
// shows it takes writes again (how long it lasted, how many requests were refused), nothing in between,
// and nothing at all while it is healthy.

function tracked() {
  const clock = manualClock();
  const lines: { level: 'warn' | 'info'; fields: Record<string, unknown>; message: string }[] = [];
  const log = {
    warn: (fields: object, message: string) => void lines.push({ level: 'warn', fields: { ...fields }, message }),
    info: (fields: object, message: string) => void lines.push({ level: 'info', fields: { ...fields }, message }),
  };
  // The database's committed changes, made by hand: `commit()` is one.
  const waiting: (() => void)[] = [];
  const nextChangeCommitted = () => new Promise<void>((resolve) => waiting.push(resolve));
  const commit = async () => {
    for (const wake of waiting.splice(0)) wake();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { clock, lines, commit, outage: createDatabaseOutage({ clock, log, nextChangeCommitted }) };
}

describe('the database outage', () => {
  it('logs its start once, its end once (at the next committed change) with the requests refused and how long it lasted', async () => {
    const { clock, lines, commit, outage } = tracked();
    await commit();
    expect(lines).toEqual([]);
    outage.failed({ reason: 'unreachable', code: 'P1001' }, true);
    clock.advance(1500);
    outage.failed({ reason: 'connection lost', code: '57P03' }, true);
    outage.failed({ reason: 'unreachable', code: 'P1001' }, false);
    expect(outage.failing).toBe(true);
    clock.advance(500);
    await commit();
    await commit();
    expect(outage.failing).toBe(false);
    expect(lines).toEqual([
      { level: 'warn', fields: { database: 'unavailable', reason: 'unreachable', code: 'P1001' }, message: expect.stringContaining('database unavailable') },
      { level: 'info', fields: { database: 'available', reason: 'unreachable', refused: 2, downMs: 2000 }, message: 'database available again' },
    ]);
  });

  it('a new outage counts afresh', async () => {
    const { lines, commit, outage } = tracked();
    outage.failed({ reason: 'full', code: 'SQLITE_FULL' }, true);
    await commit();
    outage.failed({ reason: 'read-only', code: 'SQLITE_READONLY' }, true);
    await commit();
    expect(lines.map((line) => [line.fields.database, line.fields.reason, line.fields.refused])).toEqual([
      ['unavailable', 'full', undefined],
      ['available', 'full', 1],
      ['unavailable', 'read-only', undefined],
      ['available', 'read-only', 1],
    ]);
  });

  it('absorb takes a fault (a background run) and leaves anything else to its caller', async () => {
    const { lines, commit, outage } = tracked();
    expect(outage.absorb(new Error('a bug'))).toBe(false);
    expect(lines).toEqual([]);
    expect(outage.absorb(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', syscall: 'connect' }))).toBe(true);
    await commit();
    expect(lines.map((line) => line.fields)).toEqual([
      { database: 'unavailable', reason: 'unreachable', code: 'ECONNREFUSED' },
      { database: 'available', reason: 'unreachable', refused: 0, downMs: 0 },
    ]);
  });
});
