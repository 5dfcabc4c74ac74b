import { describe, expect, it } from 'vitest';
import { createDatabaseOutage } from '../../src/storage/database-outage.js';
import { manualClock } from '../helpers/clock.js';

// The outage's log: one line when the database starts failing, one when a committed change shows
// it takes writes again (how long it lasted, how many requests were refused), nothing in between,
// and nothing at all while it is healthy.

function tracked() {
  const clock = manualClock();
  const lines: { level: 'warn' | 'info'; fields: Record<string, unknown>; message: string }[] = [];
  const log = {
    warn: (fields: object, message: string) => void lines.push({ level: 'warn', fields: { ...fields }, message }),
    info: (fields: object, message: string) => void lines.push({ level: 'info', fields: { ...fields }, message }),
  };
  return { clock, lines, outage: createDatabaseOutage({ clock, log }) };
}

describe('the database outage', () => {
  it('logs its start once, its end once with the requests refused and how long it lasted', () => {
    const { clock, lines, outage } = tracked();
    outage.wrote();
    expect(lines).toEqual([]);
    outage.failed({ reason: 'unreachable', code: 'P1001' }, true);
    clock.advance(1500);
    outage.failed({ reason: 'connection lost', code: '57P03' }, true);
    outage.failed({ reason: 'unreachable', code: 'P1001' }, false);
    expect(outage.failing).toBe(true);
    clock.advance(500);
    outage.wrote();
    outage.wrote();
    expect(outage.failing).toBe(false);
    expect(lines).toEqual([
      { level: 'warn', fields: { database: 'unavailable', reason: 'unreachable', code: 'P1001' }, message: expect.stringContaining('database unavailable') },
      { level: 'info', fields: { database: 'available', reason: 'unreachable', refused: 2, downMs: 2000 }, message: 'database available again' },
    ]);
  });

  it('a new outage counts afresh', () => {
    const { lines, outage } = tracked();
    outage.failed({ reason: 'full', code: 'SQLITE_FULL' }, true);
    outage.wrote();
    outage.failed({ reason: 'read-only', code: 'SQLITE_READONLY' }, true);
    outage.wrote();
    expect(lines.map((line) => [line.fields.database, line.fields.reason, line.fields.refused])).toEqual([
      ['unavailable', 'full', undefined],
      ['available', 'full', 1],
      ['unavailable', 'read-only', undefined],
      ['available', 'read-only', 1],
    ]);
  });

  it('absorb takes a fault (a background run) and leaves anything else to its caller', () => {
    const { lines, outage } = tracked();
    expect(outage.absorb(new Error('a bug'))).toBe(false);
    expect(lines).toEqual([]);
    expect(outage.absorb(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', syscall: 'connect' }))).toBe(true);
    outage.wrote();
    expect(lines.map((line) => line.fields)).toEqual([
      { database: 'unavailable', reason: 'unreachable', code: 'ECONNREFUSED' },
      { database: 'available', reason: 'unreachable', refused: 0, downMs: 0 },
    ]);
  });
});
