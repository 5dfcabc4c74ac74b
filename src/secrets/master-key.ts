import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { MasterKeySource } from '../config.js';
import { errorCodeOf } from '../fields.js';

// The key-encryption key (KEK): from KEYSTATE_MASTER_KEY, from KEYSTATE_MASTER_KEY_FILE (e.g. a
// mounted secret), or, in development only (loadConfig refuses production without one), generated
// once into the data directory next to the database, so a restart keeps opening the same secrets.

export interface MasterKey {
  readonly key: Buffer;
  /** Set when development generated or reused a key file: main.ts warns about it. */
  readonly generatedFile: string | null;
}

export class MasterKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyError';
  }
}

/** Where development keeps its generated key: beside the SQLite file, else ./data. */
function devMasterKeyPath(dataDir: string): string {
  return join(dataDir, 'master.key');
}

export function loadMasterKey(source: MasterKeySource, dataDir: string): MasterKey {
  switch (source.kind) {
    case 'env':
      return { key: Buffer.from(source.base64, 'base64'), generatedFile: null };
    case 'file':
      return { key: readKeyFile(source.path, 'KEYSTATE_MASTER_KEY_FILE'), generatedFile: null };
    case 'generated': {
      const path = devMasterKeyPath(dataDir);
      if (!existsSync(path)) writeGeneratedKey(path);
      return { key: readKeyFile(path, 'the generated development key file'), generatedFile: path };
    }
  }
}

/** What a failed write says about the place, for the one line that names the file. */
const WRITE_FAILURES: Readonly<Record<string, string>> = { EROFS: 'read-only filesystem', ENOSPC: 'filesystem full', EACCES: 'permission denied' };

function writeGeneratedKey(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    // wx: never overwrite a key another process wrote in between.
    writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    const code = errorCodeOf(error) ?? 'error';
    if (code === 'EEXIST') return;
    // A full disk can leave the file created and empty: the next start would take it for a bad key.
    if (code === 'ENOSPC') rmSync(path, { force: true });
    throw new MasterKeyError(`cannot write the development key file ${path}: ${WRITE_FAILURES[code] ?? code} (${code})`);
  }
  chmodSync(path, 0o600);
}

function readKeyFile(path: string, what: string): Buffer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new MasterKeyError(`${what}: cannot read ${path} (${errorCodeOf(error) ?? 'error'})`);
  }
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(text) ? Buffer.from(text.replaceAll('-', '+').replaceAll('_', '/'), 'base64') : Buffer.alloc(0);
  if (key.length !== 32) throw new MasterKeyError(`${what}: ${path} must hold 32 random bytes in base64 (e.g. \`openssl rand -base64 32\`)`);
  return key;
}
