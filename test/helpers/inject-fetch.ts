import type { FastifyInstance } from 'fastify';

// The in-process tier of the HTTP tests (issue 16 §5): a server started without listening answers
// the `fetch` calls made to its URL through Fastify's `inject()`, so the tests keep their call
// surface (`fetch(`${server.url}/…`)`, `client.call`, `probe`) and assert the same statuses,
// headers and bodies, without a socket, a port or a connection pool in between. Every other URL
// goes to the real fetch. Tests about the wire itself (raw HTTP, timeouts, disconnects, a browser,
// processes) start a listening server instead (`startTestServer({ listen: true })`).

const routed = new Map<string, FastifyInstance>();
const realFetch = globalThis.fetch;

/** Statuses whose Response may not carry a body (the Fetch standard's null body statuses). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;

/** Routes `fetch` to `origin` (scheme, host and port) through `app.inject()` until the returned
 * function is called. */
export function routeFetchToInject(origin: string, app: FastifyInstance): () => void {
  routed.set(origin, app);
  globalThis.fetch = injectingFetch;
  return () => {
    if (routed.get(origin) === app) routed.delete(origin);
    if (routed.size === 0) globalThis.fetch = realFetch;
  };
}

async function injectingFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  // A Request normalizes what fetch would send: header names, and the content-type fetch adds
  // for a string or URLSearchParams body.
  const request = new Request(input, init);
  const app = routed.get(new URL(request.url).origin);
  if (app === undefined) return realFetch(request);
  const body = request.body === null ? undefined : Buffer.from(await request.arrayBuffer());
  return follow(request, body, await answer(app, request, body), 0);
}

async function answer(app: FastifyInstance, request: Request, body: Buffer | undefined): Promise<Response> {
  const headers: Record<string, string> = { accept: '*/*', 'user-agent': 'node', ...Object.fromEntries(request.headers) };
  const reply = await app.inject({
    method: request.method as 'GET',
    url: request.url,
    headers,
    ...(body === undefined ? {} : { payload: body }),
  });
  const responseHeaders = new Headers();
  for (const [name, value] of Object.entries(reply.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) responseHeaders.append(name, String(one));
  }
  const nullBody = NULL_BODY.has(reply.statusCode) || request.method === 'HEAD';
  return new Response(nullBody ? null : reply.rawPayload, { status: reply.statusCode, statusText: reply.statusMessage, headers: responseHeaders });
}

/** fetch's default `redirect: 'follow'`, as undici does it: 303 (and 301/302 after a POST) turn
 * into a GET without a body; the next hop may leave the injected origin. */
async function follow(request: Request, body: Buffer | undefined, response: Response, hops: number): Promise<Response> {
  const location = response.headers.get('location');
  if (request.redirect !== 'follow' || !REDIRECTS.has(response.status) || location === null) return response;
  if (hops >= MAX_REDIRECTS) throw new TypeError('fetch failed: redirect count exceeded');
  const asGet = response.status === 303 || ((response.status === 301 || response.status === 302) && request.method === 'POST');
  const next = new URL(location, request.url);
  const headers = new Headers(request.headers);
  if (asGet) for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) headers.delete(name);
  // As undici does: credentials do not follow a redirect to another origin.
  if (next.origin !== new URL(request.url).origin) for (const name of ['authorization', 'cookie', 'proxy-authorization']) headers.delete(name);
  const nextInit: RequestInit = { method: asGet ? 'GET' : request.method, headers, redirect: 'follow' };
  const nextBody = asGet ? undefined : body;
  if (nextBody !== undefined) nextInit.body = nextBody;
  const app = routed.get(next.origin);
  if (app === undefined) return realFetch(next, nextInit);
  return follow(new Request(next, nextInit), nextBody, await answer(app, new Request(next, nextInit), nextBody), hops + 1);
}
