import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// A server process in a test starts from the built dist/, as `npm start` runs it, never from a
// cold tsx. `ensureBuilt()` builds dist/ when the sources changed since it was last built (a
// fingerprint of every source file's size and time), once at a time: test files running in other
// workers wait for a build in progress (a lock directory) instead of writing dist/ beside it.

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST = join(ROOT, 'dist');
const FINGERPRINT = join(DIST, '.sources');
const LOCK = join(DIST, '.building');
const SOURCES = ['src', 'machines', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((name) => filesUnder(join(path, name)));
}

function sourcesFingerprint(): string {
  const hash = createHash('sha256');
  for (const file of SOURCES.flatMap((source) => filesUnder(join(ROOT, source))).sort()) {
    const { size, mtimeMs } = statSync(file);
    hash.update(`${relative(ROOT, file)} ${size} ${mtimeMs}\n`);
  }
  return hash.digest('hex');
}

const isCurrent = (fingerprint: string) => existsSync(FINGERPRINT) && readFileSync(FINGERPRINT, 'utf8') === fingerprint;

/** Takes the build lock, or waits until whoever holds it lets go (a dead holder's lock is broken). */
async function lock(): Promise<void> {
  mkdirSync(DIST, { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const released = new Promise<void>((resolve) => {
      const watcher = watch(DIST, () => {
        if (existsSync(LOCK)) return;
        watcher.close();
        resolve();
      });
      // Released (or its holder died) between our attempt and the watch.
      if (!existsSync(LOCK) || !holderAlive()) {
        watcher.close();
        resolve();
      }
    });
    await released;
    if (existsSync(LOCK) && !holderAlive()) rmSync(LOCK, { recursive: true, force: true });
  }
}

/** False only when the holder's pid is known and no such process runs (a pid not written yet: alive). */
function holderAlive(): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
  } catch {
    return existsSync(LOCK);
  }
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Builds dist/ unless it is current; resolves once it is (give the hook a few minutes). */
export async function ensureBuilt(): Promise<void> {
  if (isCurrent(sourcesFingerprint())) return;
  await lock();
  try {
    const fingerprint = sourcesFingerprint();
    if (isCurrent(fingerprint)) return;
    rmSync(FINGERPRINT, { force: true });
    await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT });
    writeFileSync(FINGERPRINT, fingerprint);
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
