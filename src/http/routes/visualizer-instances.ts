import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { InstanceViews } from '../../admin/instance-views.js';
import type { Config } from '../../config.js';
import { AuthError } from '../../errors.js';
import { MAX_SIMULATED_EVENTS, type Simulation } from '../../visualizer/simulator.js';
import { AnyObject, MessageBody } from '../schemas/common.js';
import type { AdminGuard } from './admin-guard.js';
import { visualizerGuard } from './visualizer.js';

// The visualizer's live data: the instances that moved last, one instance with its log replayed
// step by step (the live view polls it; its `version` moves with every event), and the simulator.

const Limit = Type.Object({ limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })) }, { additionalProperties: false });
const InstanceParams = Type.Object({
  kind: Type.Union([Type.Literal('flow'), Type.Literal('session'), Type.Literal('refresh-family'), Type.Literal('credential')]),
  id: Type.String({ minLength: 1, maxLength: 64 }),
});
const SimulateBody = Type.Object({ machine: Type.String({ minLength: 1, maxLength: 64 }), events: Type.Array(AnyObject, { maxItems: MAX_SIMULATED_EVENTS }) }, { additionalProperties: false });
const Recent = Type.Object({ kind: Type.String(), id: Type.String(), machine: Type.String(), state: Type.String(), updated_at: Type.String() });

export const visualizerInstanceRoutes: FastifyPluginAsyncTypebox<{
  views: InstanceViews;
  simulate: (machine: string, events: readonly unknown[]) => Simulation;
  config: Pick<Config, 'nodeEnv'>;
  guard: AdminGuard;
}> = async (app, { views, simulate, config, guard }) => {
  app.addHook('onRequest', visualizerGuard(config, guard));
  const tags = ['visualizer'];
  const security = [{ AdminToken: [] }];

  app.get(
    '/visualizer/instances',
    {
      schema: {
        summary: 'The flows, sessions, refresh families and credentials that moved last, newest first',
        tags,
        security,
        querystring: Limit,
        response: { 200: Type.Array(Recent), '4xx': MessageBody },
      },
    },
    async (request) => {
      const limit = Math.min(100, Math.max(1, Number(request.query.limit ?? '20')));
      return (await views.recent(limit)).map((instance) => ({ kind: instance.kind, id: instance.id, machine: instance.machine, state: instance.state, updated_at: instance.updatedAt.toISOString() }));
    },
  );

  app.get(
    '/visualizer/instances/:kind/:id',
    {
      schema: {
        summary: 'One instance: state, redacted context, event log, and each step replayed through its machine',
        tags,
        security,
        params: InstanceParams,
        response: { 200: AnyObject, '4xx': MessageBody },
      },
    },
    async (request) => {
      const view = await views.byKind(request.params.kind, request.params.id);
      if (view === null) throw new AuthError('FLOW_NOT_FOUND');
      return { kind: request.params.kind, ...view };
    },
  );

  app.post(
    '/visualizer/simulate',
    // No response schema: the simulation is serialised as built (its contexts differ per machine).
    { schema: { summary: 'A machine started from its sample input and moved by the chosen sample events, in memory (nothing is sent or stored)', tags, security, body: SimulateBody } },
    async (request) => simulate(request.body.machine, request.body.events),
  );
};
