import type { StatementObserver, StatementScope } from '../../src/storage/observed-adapter.js';

// The shape of the statements a piece of work sent (issue 17): each statement as its verb and the
// tables it names, grouped by where it ran. One line per statement run alone, one per transaction:
//
//   alone: SELECT user+user_app
//   interactive: SELECT flow FOR UPDATE, UPDATE flow, INSERT session
//   batch: UPDATE flow, INSERT flow_event
//
// BEGIN is never seen, COMMIT and ROLLBACK are left out: the kind says what the transaction was.

const CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/i;
const WRITE = /\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"(\w+)"/gi;
const READ = /\b(?:FROM|JOIN)\s+"(\w+)"/gi;

/** One statement as `VERB table` (SELECT: every table it reads, joined by +; WITH: its writes). */
export function statementShape(sql: string): string {
  // Prisma's own statements name the schema ("main"."user", "public"."user").
  const text = sql.replace(/"(?:main|public)"\./g, '').trim();
  const verb = (/^\w+/.exec(text)?.[0] ?? '?').toUpperCase();
  const lock = /\bFOR\s+UPDATE\b/i.test(text) ? ' FOR UPDATE' : '';
  const writes = [...text.matchAll(WRITE)].map((match) => `${(match[1] ?? '').split(/\s+/)[0]?.toUpperCase()} ${match[2]}`);
  if (verb === 'WITH') return `WITH(${writes.join(', ')})${lock}`;
  if (verb !== 'SELECT') return writes[0] ?? verb;
  const tables = [...new Set([...text.matchAll(READ)].map((match) => match[1]))];
  return `${['SELECT', tables.join('+')].filter(Boolean).join(' ')}${lock}`;
}

interface Seen {
  readonly sql: string;
  readonly scope: StatementScope;
}

/** Records what the server runs; `shapes(work)` answers the shape of what `work` sent. */
export function statementRecorder(): { observe: StatementObserver; shapes(work: () => Promise<unknown>): Promise<string[]> } {
  const seen: Seen[] = [];
  return {
    observe: (sql, scope) => void (CONTROL.test(sql) || seen.push({ sql, scope })),
    async shapes(work) {
      seen.length = 0;
      await work();
      return grouped(seen.splice(0));
    },
  };
}

function grouped(statements: readonly Seen[]): string[] {
  const lines: { transaction: number | null; text: string }[] = [];
  for (const { sql, scope } of statements) {
    const last = lines.at(-1);
    if (scope.transaction !== null && last?.transaction === scope.transaction) last.text += `, ${statementShape(sql)}`;
    else lines.push({ transaction: scope.transaction, text: `${scope.kind}: ${statementShape(sql)}` });
  }
  return lines.map((line) => line.text);
}
