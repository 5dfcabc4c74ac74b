import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMasterKey, MasterKeyError } from '../../src/secrets/master-key.js';
import { createSealer, isSealed, SealError } from '../../src/secrets/sealer.js';

// AES-256-GCM sealing under the key-encryption key, and where that key comes from.

const kek = Buffer.alloc(32, 3);

describe('sealer', () => {
  it('round-trips, with a fresh IV each time, and the output holds neither the plaintext nor the key', () => {
    const sealer = createSealer(kek);
    const one = sealer.seal('the secret', 'row:1');
    const two = sealer.seal('the secret', 'row:1');
    expect(one).not.toBe(two);
    expect(isSealed(one)).toBe(true);
    expect(one).not.toContain('the secret');
    expect(one).not.toContain(kek.toString('base64url'));
    expect(sealer.open(one, 'row:1')).toBe('the secret');
  });

  it('refuses a value moved to another row, altered, or sealed under another key, with a clear message', () => {
    const sealer = createSealer(kek);
    const sealed = sealer.seal('the secret', 'signing_key:a');
    expect(() => sealer.open(sealed, 'signing_key:b')).toThrow(SealError);
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => sealer.open(parts.join('.'), 'signing_key:a')).toThrow(SealError);
    const other = createSealer(Buffer.alloc(32, 4));
    expect(() => other.open(sealed, 'signing_key:a')).toThrow(/another key-encryption key/);
    expect(() => sealer.open('plaintext', 'x')).toThrow(SealError);
    expect(isSealed('plaintext')).toBe(false);
  });

  it('needs a 32-byte key', () => {
    expect(() => createSealer(Buffer.alloc(16))).toThrow(SealError);
  });
});

describe('master key', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'keystate-kek-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('comes from the environment as given', () => {
    expect(loadMasterKey({ kind: 'env', base64: kek.toString('base64') }, '/nowhere')).toEqual({ key: kek, generatedFile: null });
  });

  it('comes from a file (standard or URL-safe base64, surrounding whitespace ignored)', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'kek'), `\n${kek.toString('base64url')}\n`);
    expect(loadMasterKey({ kind: 'file', path: join(dir, 'kek') }, '/nowhere').key).toEqual(kek);
    writeFileSync(join(dir, 'short'), Buffer.alloc(8).toString('base64'));
    expect(() => loadMasterKey({ kind: 'file', path: join(dir, 'short') }, '/nowhere')).toThrow(MasterKeyError);
    expect(() => loadMasterKey({ kind: 'file', path: join(dir, 'missing') }, '/nowhere')).toThrow(/KEYSTATE_MASTER_KEY_FILE: cannot read/);
  });

  it('development generates one into the data directory (mode 600) once, and reuses it', () => {
    const dir = join(tempDir(), 'data');
    const first = loadMasterKey({ kind: 'generated' }, dir);
    expect(first.generatedFile).toBe(join(dir, 'master.key'));
    expect(first.key).toHaveLength(32);
    expect(statSync(join(dir, 'master.key')).mode & 0o777).toBe(0o600);
    expect(loadMasterKey({ kind: 'generated' }, dir).key).toEqual(first.key);
    expect(readFileSync(join(dir, 'master.key'), 'utf8').trim()).toBe(first.key.toString('base64'));
  });
});
