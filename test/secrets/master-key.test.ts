import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMasterKey } from '../../src/secrets/master-key.js';
import { type Mounted, mountReadOnlyView, mountSkipReason, mountSmallFilesystem } from '../helpers/filesystems.js';

// Issue 15, point 3: development generates its key-encryption key into a file beside the database;
// when that file cannot be written (a read-only or full filesystem) the start names the file, and a
// full disk leaves no empty key file behind for the next start to choke on. Real filesystems.

const mounts: Mounted[] = [];
afterEach(() => {
  for (const mount of mounts.splice(0)) mount.unmount();
});

describe('the generated development key file', () => {
  it('is written once and read back on the next start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keystate-key-'));
    try {
      const first = loadMasterKey({ kind: 'generated' }, dir);
      expect(first.key).toHaveLength(32);
      expect(loadMasterKey({ kind: 'generated' }, dir).key.equals(first.key)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(mountSkipReason() !== null)('on a read-only filesystem: the error names the key file', () => {
    const source = mkdtempSync(join(tmpdir(), 'keystate-key-'));
    try {
      const view = mountReadOnlyView(source);
      mounts.push(view);
      expect(() => loadMasterKey({ kind: 'generated' }, view.dir)).toThrow(`cannot write the development key file ${join(view.dir, 'master.key')}: read-only filesystem (EROFS)`);
    } finally {
      rmSync(source, { recursive: true, force: true });
    }
  });

  it.skipIf(mountSkipReason() !== null)('on a full filesystem: the error names the key file, and no empty key file stays behind', () => {
    const disk = mountSmallFilesystem(1024 * 1024);
    mounts.push(disk);
    disk.fill();
    const path = join(disk.dir, 'master.key');
    expect(() => loadMasterKey({ kind: 'generated' }, disk.dir)).toThrow(`cannot write the development key file ${path}: filesystem full (ENOSPC)`);
    expect(existsSync(path)).toBe(false);
  });
});
