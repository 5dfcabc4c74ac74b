import { expect } from 'vitest';

// The server's log as a test sees it (AppDeps.logStream): every line parsed, with the lines an
// outage writes picked out.

/** One outage in the log: its start line (with `start`'s fields), its end line (with `end`'s), and
 * no error line or stack anywhere. */
export function expectOneOutage(log: CapturedLog, start: Record<string, unknown>, end: Record<string, unknown>): void {
  expect(log.outageStarts()).toEqual([expect.objectContaining({ level: 40, ...start })]);
  expect(log.outageEnds()).toEqual([expect.objectContaining({ level: 30, ...end })]);
  expect(log.errorsAndStacks()).toEqual([]);
}

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface CapturedLog {
  readonly stream: { write(line: string): void };
  lines(): LogLine[];
  /** Lines at error level and above, and every line that carries an error's stack. */
  errorsAndStacks(): LogLine[];
  outageStarts(): LogLine[];
  outageEnds(): LogLine[];
}

export function captureLog(): CapturedLog {
  const raw: string[] = [];
  const lines = () =>
    raw
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  return {
    stream: { write: (line) => void raw.push(line) },
    lines,
    errorsAndStacks: () => lines().filter((line) => line.level >= 50 || JSON.stringify(line).includes('"stack"')),
    outageStarts: () => lines().filter((line) => line.database === 'unavailable'),
    outageEnds: () => lines().filter((line) => line.database === 'available'),
  };
}
