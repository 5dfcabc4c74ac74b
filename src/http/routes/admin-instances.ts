import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { InstanceViews } from '../../admin/instance-views.js';
import { AuthError } from '../../errors.js';
import { AnyObject, MessageBody } from '../schemas/common.js';
import type { AdminGuard } from './admin-guard.js';

// GET /admin/v1/flows/{id}, /sessions/{id}, /refresh-families/{id}, /credentials/{id}: one statechart instance as
// the operator (and the visualizer) sees it: machine, state, input and context with secrets and
// personal data redacted, its event log with times, and whether its log replays to it.

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const adminInstanceRoutes: FastifyPluginAsyncTypebox<{ views: InstanceViews; guard: AdminGuard }> = async (app, { views, guard }) => {
  app.addHook('onRequest', guard);
  const schema = (summary: string) => ({ summary, tags: ['admin'], security: [{ AdminToken: [] }], params: Params, response: { 200: AnyObject, '4xx': MessageBody } });
  const found = <T>(view: T | null): T => {
    if (view === null) throw new AuthError('FLOW_NOT_FOUND');
    return view;
  };
  app.get('/admin/v1/flows/:id', { schema: schema('A flow: its machine, state, context (redacted) and event log') }, async (request) => found(await views.flow(request.params.id)));
  app.get('/admin/v1/sessions/:id', { schema: schema('A session (by the id the session list shows): its state, context and event log') }, async (request) =>
    found(await views.session(request.params.id)),
  );
  app.get('/admin/v1/refresh-families/:id', { schema: schema('A refresh-token family: its state and event log') }, async (request) => found(await views.refreshFamily(request.params.id)));
  app.get('/admin/v1/credentials/:id', { schema: schema('A credential (password, authenticator app): its state and event log, never its secret') }, async (request) =>
    found(await views.credential(request.params.id)),
  );
};
