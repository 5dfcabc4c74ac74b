// The server's log as a test sees it (AppDeps.logStream): every line parsed, with the lines an
// outage writes picked out.

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface CapturedLog {
  readonly stream: { write(line: string): void };
  lines(): LogLine[];
  /** Lines at warn level and above, and every line that carries an error's stack. */
  alarming(): LogLine[];
  outageStarts(): LogLine[];
  outageEnds(): LogLine[];
}

export function captureLog(): CapturedLog {
  const raw: string[] = [];
  const lines = () => raw.join('').split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as LogLine);
  return {
    stream: { write: (line) => void raw.push(line) },
    lines,
    alarming: () => lines().filter((line) => line.level >= 40 || JSON.stringify(line).includes('"stack"')),
    outageStarts: () => lines().filter((line) => line.database === 'unavailable'),
    outageEnds: () => lines().filter((line) => line.database === 'available'),
  };
}
