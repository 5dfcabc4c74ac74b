import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIRST_PURGE_DELAY_MS, type JobLog, startPurgeJob } from '../../src/maintenance/purge-job.js';
import type { PurgeStep } from '../../src/maintenance/purge.js';
import { insertOutboxMessage } from '../../src/repositories/outbox-repository.js';
import { createDatabaseOutage } from '../../src/storage/database-outage.js';
import { manualClock } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { manualTimers } from '../helpers/manual-timers.js';
import { testConfig } from '../helpers/test-config.js';

// The purge as the server runs it: on its interval, as of the injected clock, one log line per
// run. Timers are fired by hand; the database is real.

const HOUR = 3_600_000;
let db: TestDatabase;

beforeAll(async () => {
  db = await freshDatabase();
});

afterAll(async () => {
  await db?.drop();
});

function recordingLog(): JobLog & { lines: { level: string; fields: Record<string, unknown>; message: string }[] } {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  return {
    lines,
    info: (fields, message) => lines.push({ level: 'info', fields: fields as Record<string, unknown>, message }),
    error: (fields, message) => lines.push({ level: 'error', fields: fields as Record<string, unknown>, message }),
  };
}

const outboxMessage = (id: string, createdAt: number) => ({ id, channel: 'email' as const, to: 'ada@example.com', subject: 'Your code', text: 'Your code is 123456', html: null, createdAt });

describe('purge job', () => {
  it('first runs a minute after start, then every PURGE_INTERVAL_SECONDS, purging as of the injected clock with one info line of counts', async () => {
    const { retention } = testConfig();
    const clock = manualClock();
    const timers = manualTimers();
    const log = recordingLog();
    await insertOutboxMessage(db.storage.db, outboxMessage('old-message', clock.now() - retention.graceMs - 1));
    await insertOutboxMessage(db.storage.db, outboxMessage('new-message', clock.now()));
    const job = startPurgeJob({ storage: db.storage, clock, retention, log, timers });
    expect(timers.delays).toEqual([FIRST_PURGE_DELAY_MS]);

    await timers.fire();
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatchObject({
      level: 'info',
      message: 'purge done',
      fields: { job: 'purge', purged: { challenges: 0, refreshTokens: 0, sessions: 0, flows: 0, credentials: 0, standIns: 0, lockouts: 0, deliveries: 1 } },
    });
    expect(await db.storage.db.delivery.findMany({ select: { id: true } })).toEqual([{ id: 'new-message' }]);
    expect(timers.delays).toEqual([FIRST_PURGE_DELAY_MS, HOUR]);

    clock.advance(retention.graceMs + 1);
    await timers.fire();
    expect(log.lines[1]?.fields.purged).toMatchObject({ deliveries: 1 });
    expect(await db.storage.db.delivery.count()).toBe(0);
    await job.stop();
  });

  it('logs a failed run (the job and the error, nothing else), and the next run still runs', async () => {
    const clock = manualClock();
    const timers = manualTimers();
    const log = recordingLog();
    let calls = 0;
    const flaky: PurgeStep = {
      async run() {
        calls++;
        if (calls === 1) throw new Error('connection reset');
        return { flaky: 0 };
      },
    };
    const job = startPurgeJob({ storage: db.storage, clock, retention: testConfig().retention, log, timers, purgeOptions: { extraSteps: [flaky] } });
    await timers.fire();
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatchObject({ level: 'error', fields: { job: 'purge' } });
    expect(Object.keys(log.lines[0]?.fields ?? {}).sort()).toEqual(['err', 'job']);
    expect((log.lines[0]?.fields.err as Error | undefined)?.message).toBe('connection reset');
    expect(timers.pending()).toBe(1);

    await timers.fire();
    expect(log.lines[1]).toMatchObject({ level: 'info', message: 'purge done', fields: { purged: { flaky: 0 } } });
    await job.stop();
  });

  it("a run that meets a database outage is the outage's to log (once), not an error line with a stack per run", async () => {
    const clock = manualClock();
    const timers = manualTimers();
    const log = recordingLog();
    const outageLines: string[] = [];
    const outage = createDatabaseOutage({
      clock,
      log: { warn: (_fields, message) => void outageLines.push(message), info: (_fields, message) => void outageLines.push(message) },
      nextChangeCommitted: () => new Promise(() => {}),
    });
    const refused: PurgeStep = {
      async run() {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect', errno: -111 });
      },
    };
    const job = startPurgeJob({ storage: db.storage, clock, retention: testConfig().retention, log, outage, timers, purgeOptions: { extraSteps: [refused] } });
    await timers.fire();
    await timers.fire();
    expect(log.lines).toEqual([]);
    expect(outageLines).toEqual([expect.stringContaining('database unavailable')]);
    await job.stop();
  });

  it('is off at PURGE_INTERVAL_SECONDS=0: says so once and never runs', async () => {
    const timers = manualTimers();
    const log = recordingLog();
    const job = startPurgeJob({ storage: db.storage, clock: manualClock(), retention: testConfig({ PURGE_INTERVAL_SECONDS: '0' }).retention, log, timers });
    expect(timers.delays).toEqual([]);
    expect(log.lines).toEqual([{ level: 'info', fields: { job: 'purge' }, message: 'purge job off (PURGE_INTERVAL_SECONDS=0)' }]);
    await job.stop();
  });

  it('runs first after the interval when that is shorter than a minute', async () => {
    const timers = manualTimers();
    const job = startPurgeJob({ storage: db.storage, clock: manualClock(), retention: testConfig({ PURGE_INTERVAL_SECONDS: '10' }).retention, log: recordingLog(), timers });
    expect(timers.delays).toEqual([10_000]);
    await job.stop();
    expect(timers.pending()).toBe(0);
  });
});
