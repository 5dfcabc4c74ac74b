import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { AuthError } from '../../errors.js';
import { type Asset, pageCsp, readAsset, readPageFolder, sendPage, sourceFolder } from '../page-files.js';

// The visualizer's page (keystate-server.md §7): one HTML file and its assets, every byte from this
// server (no CDN, no internet), read once at start. The page carries no data, so it is public; the
// data it draws comes from the guarded /visualizer/machines and /visualizer/instances endpoints.

/** The only origin the page may load from or talk to; no inline script or style, no frames. */
const VISUALIZER_CSP = pageCsp("'self'");

/** src/visualizer/page under tsx, or the same source folder after a build. */
const pageFolder = (): string => sourceFolder(import.meta.url, (here) => [join(here, '..', '..', 'visualizer', 'page'), join(here, '..', '..', '..', '..', 'src', 'visualizer', 'page')], 'index.html');

/** The allow-list: the page folder's own files, plus ELK's browser bundle (the layout library). */
function loadVisualizerPage(folder: string = pageFolder()) {
  const { page, assets } = readPageFolder(folder);
  assets.set('elk.bundled.js', readAsset(createRequire(import.meta.url).resolve('elkjs/lib/elk.bundled.js')));
  return { page, assets };
}

const send = (reply: FastifyReply, asset: Asset): FastifyReply => sendPage(reply, asset, VISUALIZER_CSP);

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
