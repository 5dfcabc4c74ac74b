import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientGone } from '../../src/http/client-gone.js';

// clientGone(reply) (issue 15): fires when the client closes its connection before the answer is
// sent, which is when a login waiting for Argon2 can leave the queue; never for a request that was
// answered. A real listening server: this is about sockets.

const app = Fastify();
const signals: AbortSignal[] = [];
const responses: ServerResponse[] = [];
/** Each request's handler waits here until the test lets it answer. */
let answer: () => void = () => {};

beforeAll(async () => {
  app.post('/work', async (_request, reply) => {
    signals.push(clientGone(reply));
    responses.push(reply.raw);
    await new Promise<void>((resolve) => (answer = resolve));
    return { done: true };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app.close();
});

const url = () => `http://127.0.0.1:${(app.server.address() as { port: number }).port}/work`;

describe('clientGone', () => {
  it('does not fire for a request that was answered, even once its connection closes', async () => {
    const answered = fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json', connection: 'close' }, body: '{}' });
    while (signals.length < 1) await new Promise((resolve) => setImmediate(resolve));
    answer();
    expect(await (await answered).json()).toEqual({ done: true });
    const response = responses[0];
    if (response !== undefined && !response.closed) await once(response, 'close');
    expect(signals[0]?.aborted).toBe(false);
  });

  it('fires when the client gives up before the answer', async () => {
    const client = new AbortController();
    const abandoned = fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', signal: client.signal }).catch(() => 'gave up');
    while (signals.length < 2) await new Promise((resolve) => setImmediate(resolve));
    const signal = signals[1];
    if (signal === undefined) throw new Error('no signal');
    expect(signal.aborted).toBe(false);
    client.abort();
    expect(await abandoned).toBe('gave up');
    await once(signal, 'abort');
    expect(signal.aborted).toBe(true);
    answer();
  });
});
