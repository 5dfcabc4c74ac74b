import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { AuthError } from '../../errors.js';

// The visualizer's page (keystate-server.md §7): one HTML file and its assets, every byte from this
// server (no CDN, no internet), read once at start. The page carries no data, so it is public; the
// data it draws comes from the guarded /visualizer/machines and /visualizer/instances endpoints.

/** The only origin the page may load from or talk to; no inline script or style, no frames. */
const VISUALIZER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

/** src/visualizer/page under tsx; the same source folder after a build, since tsc copies no .js,
 * .css or .html (dist/src/http/routes → ../../../../src/visualizer/page). */
function pageFolder(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', '..', 'visualizer', 'page'), join(here, '..', '..', '..', '..', 'src', 'visualizer', 'page')];
  const found = candidates.find((candidate) => existsSync(join(candidate, 'index.html')));
  if (found === undefined) throw new Error(`visualizer page not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** The allow-list: the page folder's own files, plus ELK's browser bundle (the layout library). */
function loadVisualizerPage(folder: string = pageFolder()): { page: Asset; assets: ReadonlyMap<string, Asset> } {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(folder)) {
    const type = CONTENT_TYPES[extname(name)];
    if (type === undefined || name === 'index.html') continue;
    assets.set(name, { body: readFileSync(join(folder, name)), type });
  }
  const elk = createRequire(import.meta.url).resolve('elkjs/lib/elk.bundled.js');
  assets.set('elk.bundled.js', { body: readFileSync(elk), type: CONTENT_TYPES['.js'] ?? '' });
  return { page: { body: readFileSync(join(folder, 'index.html')), type: CONTENT_TYPES['.html'] ?? '' }, assets };
}

function send(reply: FastifyReply, asset: Asset): FastifyReply {
  return reply
    .header('content-security-policy', VISUALIZER_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .type(asset.type)
    .send(asset.body);
}

export const visualizerPageRoutes: FastifyPluginAsync = async (app) => {
  const { page, assets } = loadVisualizerPage();
  // Hidden from the API description: a page for people, not an endpoint for apps.
  app.get('/visualizer', { schema: { hide: true } }, async (_request, reply) => send(reply, page));
  app.get<{ Params: { file: string } }>('/visualizer/assets/:file', { schema: { hide: true } }, async (request, reply) => {
    // A Map lookup: a caller-supplied name never reaches the file system.
    const asset = assets.get(request.params.file);
    if (asset === undefined) throw new AuthError('ROUTE_NOT_FOUND');
    return send(reply, asset);
  });
};
