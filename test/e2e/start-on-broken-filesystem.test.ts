import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/storage/migrate.js';
import { testEngine } from '../helpers/db.js';
import { type Mounted, mountReadOnlyView, mountSkipReason, mountSmallFilesystem } from '../helpers/filesystems.js';
import { cleanUp, freePort, start } from '../helpers/process.js';

// Issue 15, point 3: a start on a full or read-only filesystem stops with one line that names the
// database file and what is wrong with where it lives, not SQLite's bare "disk I/O error" (nor a
// stack from the schema engine). Real filesystems (a read-only bind mount, a tmpfs filled to the
// last byte), real processes from dist/.

const MASTER_KEY = randomBytes(32).toString('base64');
const mounts: Mounted[] = [];
let migrated: string;
let scratch: string;

beforeAll(async () => {
  if (testEngine() !== 'sqlite' || mountSkipReason() !== null) return;
  scratch = mkdtempSync(join(tmpdir(), 'keystate-fs-'));
  migrated = join(scratch, 'keystate.db');
  await migrate(`file:${migrated}`);
}, 300_000);
afterEach(async () => {
  await cleanUp();
  for (const mount of mounts.splice(0)) mount.unmount();
});
afterAll(() => {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

/** Starts the server on `file` and returns the one line it stopped with. */
async function failedStart(file: string): Promise<string> {
  const server = start({ PORT: String(await freePort()), DATABASE_URL: `file:${file}`, KEYSTATE_MASTER_KEY: MASTER_KEY });
  expect(await server.exited, server.output()).toBe(1);
  const lines = server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('Keystate failed to start'));
  expect(lines, server.output()).toHaveLength(1);
  expect(server.output()).not.toMatch(/disk I\/O error|wasm|\n\s+at /);
  return lines[0] ?? '';
}

describe.skipIf(testEngine() !== 'sqlite' || mountSkipReason() !== null)('a start on a broken filesystem', () => {
  it('a read-only filesystem, with the database already there or still to create: the file and the read-only folder are named', async () => {
    const view = mountReadOnlyView(scratch);
    mounts.push(view);
    const existing = join(view.dir, 'keystate.db');
    expect(await failedStart(existing)).toBe(`Keystate failed to start: cannot write the SQLite database ${existing}: ${view.dir} is on a read-only filesystem`);
    const fresh = join(view.dir, 'data', 'new.db');
    expect(await failedStart(fresh)).toContain(`cannot write the SQLite database ${fresh}: ${view.dir} is on a read-only filesystem`);
  }, 180_000);

  it('a full filesystem: the file is named, and the filesystem said to be full', async () => {
    const disk = mountSmallFilesystem(4 * 1024 * 1024);
    mounts.push(disk);
    const file = join(disk.dir, 'keystate.db');
    copyFileSync(migrated, file);
    disk.fill();
    expect(await failedStart(file)).toMatch(new RegExp(`^Keystate failed to start: cannot write the SQLite database ${file}: the filesystem holding ${disk.dir} is full`));
    const fresh = join(disk.dir, 'new.db');
    expect(await failedStart(fresh)).toContain(`cannot write the SQLite database ${fresh}: the filesystem holding ${disk.dir} is full`);
  }, 180_000);
});
