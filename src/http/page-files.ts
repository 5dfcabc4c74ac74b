import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply } from 'fastify';

// Pages the server serves to browsers (the visualizer, the passkeys sample page, the passkey helper
// module): files of a source folder, read once at start, every byte from this server. A page
// folder is an allow-list: a caller's path never reaches the file system, only a Map lookup.

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface Asset {
  readonly body: Buffer;
  readonly type: string;
  /** Strong: the bytes of a file read at start change only with a new server. */
  readonly etag: string;
}

/** A page's policy: this server's origin only, no inline script or style, no frames; `formAction`
 * says where its forms may post. */
export const pageCsp = (formAction: "'self'" | "'none'"): string =>
  [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
  ].join('; ');

/** A folder of `src/` as it is under tsx, or after a build into dist/ (tsc copies no .js, .css or
 * .html: dist/src/<path> → ../../../../src/<path> from a module of that depth), found by a file
 * it holds. `from` is the calling module's import.meta.url. */
export function sourceFolder(from: string, candidates: (here: string) => readonly string[], marker: string): string {
  const tried = candidates(dirname(fileURLToPath(from)));
  const found = tried.find((candidate) => existsSync(join(candidate, marker)));
  if (found === undefined) throw new Error(`${marker} not found (looked in ${tried.join(', ')})`);
  return found;
}

export function readAsset(path: string): Asset {
  const body = readFileSync(path);
  return { body, type: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/** A page folder: its index.html, and every other file of a known type by name. */
export function readPageFolder(folder: string): { readonly page: Asset; readonly assets: Map<string, Asset> } {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(folder)) {
    if (name !== 'index.html' && CONTENT_TYPES[extname(name)] !== undefined) assets.set(name, readAsset(join(folder, name)));
  }
  return { page: readAsset(join(folder, 'index.html')), assets };
}

/** A page's file under its policy, never cached (pages change with the code). */
export function sendPage(reply: FastifyReply, asset: Asset, csp: string): FastifyReply {
  return reply
    .header('content-security-policy', csp)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .type(asset.type)
    .send(asset.body);
}
