import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AuthError } from '../../errors.js';

// The browser side of passkeys (issue 18 point 2): the helper module apps import
// (GET /cis/v1/webauthn/client.js, client/client.js) and, outside production, a sample page that
// runs every passkey call end to end (GET /dev/passkeys, sample/). Both are files of this folder,
// read once at start: a caller's path never reaches the file system. Neither carries data, so
// neither asks for a token; both are hidden from the API description (files for browsers, not
// endpoints for backends).

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The sample page talks to this server only, runs no inline script or style, and sits in no frame. */
const SAMPLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  /** Strong: the bytes of a file read at start change only with a new server. */
  readonly etag: string;
}

/** src/flows/webauthn under tsx; the same source folder after a build, since tsc copies no .js,
 * .css or .html (dist/src/flows/webauthn → ../../../../src/flows/webauthn). */
function sourceFolder(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [here, join(here, '..', '..', '..', '..', 'src', 'flows', 'webauthn')];
  const found = candidates.find((candidate) => existsSync(join(candidate, 'client', 'client.js')));
  if (found === undefined) throw new Error(`webauthn browser files not found (looked in ${candidates.join(', ')})`);
  return found;
}

function readAsset(path: string): Asset {
  const body = readFileSync(path);
  return { body, type: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/** Whether the caller already holds these bytes (If-None-Match: a list, weak tags, or `*`). */
function isFresh(request: FastifyRequest, asset: Asset): boolean {
  const header = request.headers['if-none-match'];
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === asset.etag;
  });
}

/** The helper module: any origin may import it (a module script from another origin needs CORS),
 * and caches keep it an hour, revalidated by its ETag. */
function sendClient(request: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply {
  reply.header('access-control-allow-origin', '*').header('x-content-type-options', 'nosniff').header('cache-control', 'public, max-age=3600').header('etag', asset.etag).type(asset.type);
  return isFresh(request, asset) ? reply.code(304).send() : reply.send(asset.body);
}

/** A file of the sample page: its CSP, never cached (a development page that changes with the code). */
function sendSample(reply: FastifyReply, asset: Asset): FastifyReply {
  return reply
    .header('content-security-policy', SAMPLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .type(asset.type)
    .send(asset.body);
}

/** GET /cis/v1/webauthn/client.js, on every server: apps in production serve or import it. */
export const webauthnClientRoutes: FastifyPluginAsync = async (app) => {
  const client = readAsset(join(sourceFolder(), 'client', 'client.js'));
  app.get('/cis/v1/webauthn/client.js', { schema: { hide: true } }, async (request, reply) => sendClient(request, reply, client));
};

/** GET /dev/passkeys and its assets: registered only outside production (src/app.ts). */
export const passkeySampleRoutes: FastifyPluginAsync = async (app) => {
  const folder = join(sourceFolder(), 'sample');
  const page = readAsset(join(folder, 'index.html'));
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(folder)) {
    if (name !== 'index.html' && CONTENT_TYPES[extname(name)] !== undefined) assets.set(name, readAsset(join(folder, name)));
  }
  app.get('/dev/passkeys', { schema: { hide: true } }, async (_request, reply) => sendSample(reply, page));
  app.get<{ Params: { file: string } }>('/dev/passkeys/assets/:file', { schema: { hide: true } }, async (request, reply) => {
    // A Map lookup: `__proto__`, `../x` or any other name is simply absent.
    const asset = assets.get(request.params.file);
    if (asset === undefined) throw new AuthError('ROUTE_NOT_FOUND');
    return sendSample(reply, asset);
  });
};
