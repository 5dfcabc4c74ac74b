import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrationsDir } from '../../src/storage/migrate.js';

// Prisma's PostgreSQL driver adapter runs a migration script by splitting it on every `;`
// (`executeScript` in @prisma/adapter-pg), comments and string literals included: a `;` in a
// comment cuts a statement in two, and the start fails on PostgreSQL only (it happened: issue 18's
// first migration). SQLite runs the script whole, so nothing else would catch it before a
// PostgreSQL start. Both engines' migrations are held to it: they are written alike.

const scripts = (['sqlite', 'postgresql'] as const).flatMap((engine) =>
  readdirSync(migrationsDir(engine), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => ({ name: `${engine}/${entry.name}`, sql: readFileSync(join(migrationsDir(engine), entry.name, 'migration.sql'), 'utf8') })),
);

describe('migration scripts', () => {
  it('exist for both engines', () => {
    expect(scripts.length).toBeGreaterThan(10);
  });

  it('have no `;` inside a comment, which the PostgreSQL adapter would split a statement at', () => {
    const cut = scripts.flatMap(({ name, sql }) =>
      sql.split('\n').flatMap((line, index) => {
        const comment = line.indexOf('--');
        return comment >= 0 && line.slice(comment).includes(';') ? [`${name}:${index + 1}: ${line.trim()}`] : [];
      }),
    );
    expect(cut).toEqual([]);
  });
});
