import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../../config.js';
import { isLoopbackHost } from '../../config-values.js';
import { AuthError } from '../../errors.js';
import type { MachineGraph } from '../../visualizer/machine-graph.js';
import { toMermaid } from '../../visualizer/mermaid.js';
import { MessageBody } from '../schemas/common.js';
import type { AdminGuard } from './admin-guard.js';

// The visualizer's data (keystate-server.md §7): every machine the server runs, as a graph read
// from its definition, exported as JSON (nodes and edges) or Mermaid text. Behind the admin token,
// except in development for callers on loopback (development only listens there anyway).

export function visualizerGuard(config: Pick<Config, 'nodeEnv'>, admin: AdminGuard) {
  return async (request: FastifyRequest): Promise<void> => {
    const remote = (request.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    if (config.nodeEnv === 'development' && isLoopbackHost(remote)) return;
    await admin(request);
  };
}

const MachineSummary = Type.Object({ name: Type.String(), version: Type.Integer(), states: Type.Integer(), transitions: Type.Integer() });
const FileParams = Type.Object({ file: Type.String({ pattern: '^[a-z][a-z0-9-]{0,63}\\.(json|mmd)$' }) });

export const visualizerDataRoutes: FastifyPluginAsyncTypebox<{ graphs: ReadonlyMap<string, MachineGraph>; config: Pick<Config, 'nodeEnv'>; guard: AdminGuard }> = async (
  app,
  { graphs, config, guard },
) => {
  app.addHook('onRequest', visualizerGuard(config, guard));
  const tags = ['visualizer'];
  const security = [{ AdminToken: [] }];

  app.get(
    '/visualizer/machines',
    { schema: { summary: 'Every statechart the server runs, with its size', tags, security, response: { 200: Type.Array(MachineSummary), '4xx': MessageBody } } },
    async () => [...graphs.values()].map((graph) => ({ name: graph.name, version: graph.version, states: graph.nodes.length, transitions: graph.edges.length })),
  );

  app.get(
    '/visualizer/machines/:file',
    // No response schema: the JSON is the graph as built, the Mermaid text is not JSON.
    { schema: { summary: 'One statechart as JSON (`{name}.json`: nodes and edges) or Mermaid stateDiagram-v2 (`{name}.mmd`)', tags, security, params: FileParams } },
    async (request, reply) => {
      const [name = '', format] = request.params.file.split('.');
      // A Map: a caller-supplied name never reaches an inherited property.
      const graph = graphs.get(name);
      if (graph === undefined) throw new AuthError('MACHINE_NOT_FOUND');
      if (format === 'mmd') return reply.type('text/plain; charset=utf-8').send(toMermaid(graph));
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(graph));
    },
  );
};
