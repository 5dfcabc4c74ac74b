import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyRequest } from 'fastify';
import { AuthError } from '../../src/errors.js';
import { adminGuard } from '../../src/http/routes/admin-guard.js';
import { visualizerGuard } from '../../src/http/routes/visualizer.js';
import { createMemoryCounterStore } from '../../src/limits/memory-counter-store.js';
import { createRateLimiter } from '../../src/limits/rate-limiter.js';
import { manualClock } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// GET /visualizer/machines and /visualizer/machines/{name}.json|.mmd on a real listening server:
// the admin token guards them outside development; names are looked up only among the machines.

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer({ databaseUrl: db.url });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

const get = (path: string, token: string | null = server.config.adminToken) => fetch(`${server.url}${path}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });

describe('visualizer exports', () => {
  it('lists every machine with its size', async () => {
    const response = await get('/visualizer/machines');
    expect(response.status).toBe(200);
    const machines = (await response.json()) as { name: string; version: number; states: number; transitions: number }[];
    expect(machines.map((machine) => machine.name).sort()).toEqual(['magic-link', 'otp', 'passcode-lock', 'passkey', 'password', 'refresh-family', 'session', 'totp', 'webauthn']);
    for (const machine of machines) expect(machine.states).toBeGreaterThan(1);
  });

  it('exports a machine as JSON nodes and edges, and as Mermaid text', async () => {
    const json = await get('/visualizer/machines/magic-link.json');
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    const graph = (await json.json()) as { name: string; initial: string; nodes: { id: string }[]; edges: { event: string }[] };
    expect(graph).toMatchObject({ name: 'magic-link', initial: 'checking' });
    expect(graph.nodes.map((node) => node.id)).toContain('awaitingCode.sessionRefused');
    expect(graph.edges.map((edge) => edge.event)).toContain('challenge.delivered');

    const mermaid = await get('/visualizer/machines/session.mmd');
    expect(mermaid.status).toBe(200);
    expect(mermaid.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await mermaid.text();
    expect(text).toContain('stateDiagram-v2');
    expect(text).toContain('s_active_live');
  });

  it('answers 404 for a name that is not a machine (inherited names included) and 400 for a malformed one', async () => {
    for (const name of ['nope.json', 'constructor.json', 'hasownproperty.mmd']) {
      const response = await get(`/visualizer/machines/${name}`);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ message: 'Machine not found', error_code: 404 });
    }
    for (const name of ['__proto__.json', 'otp.svg', 'otp']) expect((await get(`/visualizer/machines/${name}`)).status).toBe(400);
  });

  it('needs the admin token outside development', async () => {
    for (const path of ['/visualizer/machines', '/visualizer/machines/otp.json']) {
      expect((await get(path, null)).status).toBe(401);
      expect((await get(path, 'wrong-token-wrong-token')).status).toBe(401);
    }
  });

  it('is open to loopback callers in development only', async () => {
    const request = (remoteAddress: string) => ({ socket: { remoteAddress }, ip: remoteAddress, headers: {} }) as unknown as FastifyRequest;
    const admin = (adminToken: string) => adminGuard({ adminToken, limiter: createRateLimiter(createMemoryCounterStore(manualClock())), limit: { max: 10, windowMs: 60_000 } });
    const development = visualizerGuard({ nodeEnv: 'development' }, admin('a-development-admin-token'));
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) await expect(development(request(address))).resolves.toBeUndefined();
    await expect(development(request('10.0.0.8'))).rejects.toThrow(AuthError);
    const production = visualizerGuard({ nodeEnv: 'production' }, admin('a-production-admin-token'));
    await expect(production(request('127.0.0.1'))).rejects.toThrow(AuthError);
  });
});
