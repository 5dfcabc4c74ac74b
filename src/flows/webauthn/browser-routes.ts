import { join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AuthError } from '../../errors.js';
import { type Asset, pageCsp, readAsset, readPageFolder, sendPage, sourceFolder } from '../../http/page-files.js';

// The browser side of passkeys (issue 18 point 2): the helper module apps import
// (GET /cis/v1/webauthn/client.js, client/client.js) and, outside production, a sample page that
// runs every passkey call end to end (GET /dev/passkeys, sample/). Both are files of this folder,
// read once at start: a caller's path never reaches the file system. Neither carries data, so
// neither asks for a token; both are hidden from the API description (files for browsers, not
// endpoints for backends).

/** The sample page talks to this server only, runs no inline script or style, and sits in no frame. */
const SAMPLE_CSP = pageCsp("'none'");

/** src/flows/webauthn under tsx, or the same source folder after a build. */
const webauthnFolder = (): string => sourceFolder(import.meta.url, (here) => [here, join(here, '..', '..', '..', '..', 'src', 'flows', 'webauthn')], join('client', 'client.js'));

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
const sendSample = (reply: FastifyReply, asset: Asset): FastifyReply => sendPage(reply, asset, SAMPLE_CSP);

/** GET /cis/v1/webauthn/client.js, on every server: apps in production serve or import it. */
export const webauthnClientRoutes: FastifyPluginAsync = async (app) => {
  const client = readAsset(join(webauthnFolder(), 'client', 'client.js'));
  app.get('/cis/v1/webauthn/client.js', { schema: { hide: true } }, async (request, reply) => sendClient(request, reply, client));
};

/** GET /dev/passkeys and its assets: registered only outside production (src/app.ts). */
export const passkeySampleRoutes: FastifyPluginAsync = async (app) => {
  const { page, assets } = readPageFolder(join(webauthnFolder(), 'sample'));
  app.get('/dev/passkeys', { schema: { hide: true } }, async (_request, reply) => sendSample(reply, page));
  app.get<{ Params: { file: string } }>('/dev/passkeys/assets/:file', { schema: { hide: true } }, async (request, reply) => {
    // A Map lookup: `__proto__`, `../x` or any other name is simply absent.
    const asset = assets.get(request.params.file);
    if (asset === undefined) throw new AuthError('ROUTE_NOT_FOUND');
    return sendSample(reply, asset);
  });
};
