import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Real filesystems that fail the way disks do: a small tmpfs that a test fills to the last byte,
// and a read-only bind mount. Both need `mount` (root, as CI runs): where it is not allowed,
// `mountSkipReason()` says so and the tests that need it are skipped. Root ignores file
// permissions, so a chmod would not make a read-only file for CI; a read-only mount does.

let probed: string | null | undefined;

/** Why mounts cannot be made here, or null when they can (probed once: mount, then unmount, a tmpfs). */
export function mountSkipReason(): string | null {
  if (probed !== undefined) return probed;
  const dir = mkdtempSync(join(tmpdir(), 'keystate-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir], { stdio: 'ignore' });
    probed = null;
  } catch {
    probed = 'cannot mount a filesystem here (needs root, as CI has): full and read-only filesystems are not made';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return probed;
}

export interface Mounted {
  readonly dir: string;
  /** Writes one file until the filesystem has no byte left; returns the file. */
  fill(): string;
  unmount(): void;
}

function mounted(dir: string, root: string): Mounted {
  let done = false;
  return {
    dir,
    fill() {
      const filler = join(dir, 'filler');
      const { bavail, bsize } = statfsSync(dir);
      try {
        writeFileSync(filler, Buffer.alloc(bavail * bsize));
      } catch (error) {
        // The last blocks go to the file's own bookkeeping: full is what we wanted.
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
      return filler;
    },
    unmount() {
      if (done) return;
      done = true;
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A tmpfs of `bytes` on a fresh folder. */
export function mountSmallFilesystem(bytes: number): Mounted {
  const root = mkdtempSync(join(tmpdir(), 'keystate-small-fs-'));
  const dir = join(root, 'mnt');
  mkdirSync(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'ignore' });
  return mounted(dir, root);
}

/** `source` again, read-only, at a fresh folder (the original stays writable). */
export function mountReadOnlyView(source: string): Mounted {
  const root = mkdtempSync(join(tmpdir(), 'keystate-read-only-'));
  const dir = join(root, 'mnt');
  mkdirSync(dir);
  execFileSync('mount', ['--bind', source, dir], { stdio: 'ignore' });
  try {
    execFileSync('mount', ['-o', 'remount,bind,ro', dir], { stdio: 'ignore' });
  } catch (error) {
    execFileSync('umount', [dir], { stdio: 'ignore' });
    throw error;
  }
  return mounted(dir, root);
}
