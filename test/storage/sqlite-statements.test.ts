import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type { SqlDriverAdapter } from '@prisma/driver-adapter-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reusePreparedStatements } from '../../src/storage/sqlite-statements.js';

// The better-sqlite3 adapter's connection keeps each SQL text prepared, and each statement's
// columns read once: the answers must be exactly what a fresh statement gives, whatever the
// arguments, the order of reads and writes, or the raw mode the adapter toggles.

const folder = mkdtempSync(join(tmpdir(), 'keystate-statements-'));
let adapter: SqlDriverAdapter;
const prepared: string[] = [];

const query = (sql: string, ...args: unknown[]) => ({ sql, args, argTypes: args.map((arg) => ({ scalarType: typeof arg === 'number' ? 'int' : 'string', arity: 'scalar' }) as const) });

beforeAll(async () => {
  adapter = await new PrismaBetterSqlite3({ url: join(folder, 'statements.db') }).connect();
  const client = (adapter as unknown as { client: { prepare(sql: string): unknown } }).client;
  const prepare = client.prepare.bind(client);
  client.prepare = (sql: string) => {
    prepared.push(sql);
    return prepare(sql);
  };
  reusePreparedStatements(adapter);
  await adapter.executeScript('CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT)');
});

afterAll(async () => {
  await adapter?.dispose();
  rmSync(folder, { recursive: true, force: true });
});

describe('prepared statements kept by the SQLite adapter', () => {
  it('prepares each text once and binds the arguments of each call', async () => {
    prepared.length = 0;
    const insert = 'INSERT INTO item (id, name, note) VALUES (?, ?, ?)';
    for (let id = 1; id <= 5; id++) expect(await adapter.executeRaw(query(insert, id, `item ${id}`, id % 2 === 0 ? null : `odd ${id}`))).toBe(1);
    const select = 'SELECT id, name, note FROM item WHERE id = ?';
    const rows = [];
    for (let id = 5; id >= 1; id--) rows.push((await adapter.queryRaw(query(select, id))).rows[0]);
    expect(rows).toEqual([
      [5, 'item 5', 'odd 5'],
      [4, 'item 4', null],
      [3, 'item 3', 'odd 3'],
      [2, 'item 2', null],
      [1, 'item 1', 'odd 1'],
    ]);
    expect(prepared.filter((sql) => sql === insert)).toHaveLength(1);
    expect(prepared.filter((sql) => sql === select)).toHaveLength(1);
  });

  it('answers every read with its own columns, the first time and after', async () => {
    const wide = 'SELECT id, name, note, length(name) AS size FROM item WHERE id <= ? ORDER BY id';
    const narrow = 'SELECT name FROM item WHERE id = ?';
    for (let round = 0; round < 3; round++) {
      const all = await adapter.queryRaw(query(wide, 2));
      expect(all.columnNames).toEqual(['id', 'name', 'note', 'size']);
      expect(all.rows).toEqual([
        [1, 'item 1', 'odd 1', 6],
        [2, 'item 2', null, 6],
      ]);
      const one = await adapter.queryRaw(query(narrow, 3));
      expect(one.columnNames).toEqual(['name']);
      expect(one.rows).toEqual([['item 3']]);
    }
  });

  it('keeps writes and reads apart after an update through the same texts', async () => {
    const update = 'UPDATE item SET note = ? WHERE id = ?';
    expect(await adapter.executeRaw(query(update, 'changed', 2))).toBe(1);
    expect(await adapter.executeRaw(query(update, 'none', 99))).toBe(0);
    expect((await adapter.queryRaw(query('SELECT id, name, note FROM item WHERE id = ?', 2))).rows).toEqual([[2, 'item 2', 'changed']]);
  });
});
