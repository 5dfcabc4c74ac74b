// The source files the measuring scripts read (count-casts.mjs, long-functions.mjs).
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every .ts file under a folder, generated Prisma clients excepted. */
export function sourceFiles(root) {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => relative('.', join(entry.parentPath, entry.name)))
    .filter((path) => !path.includes('/generated/'))
    .sort();
}
