import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { MagicLinkService } from './use-case.js';
import { MessageBody } from '../../http/schemas/common.js';

// The emailed link. Mail scanners follow links, so a GET here changes nothing: it only sends the
// browser to the app's redirect_uri with the code (keystate-server.md §5 item 4). The app's
// backend then redeems the code with the authenticate call.

export const linkRedirectRoutes: FastifyPluginAsyncTypebox<{ magicLinks: MagicLinkService }> = async (app, { magicLinks }) => {
  app.get(
    '/cis/v1/auth/link/email/redirect',
    {
      schema: {
        summary: 'Follow an emailed magic link (redirects to the app with the code)',
        tags: ['magic link'],
        querystring: Type.Object({ token: Type.String({ minLength: 1, maxLength: 512 }) }),
        response: { 302: Type.Null(), '4xx': MessageBody },
      },
    },
    async (request, reply) => {
      const target = await magicLinks.redirectTarget(request.query.token);
      // The code travels in the redirect URL: keep it out of caches and referrers.
      return reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(target, 302);
    },
  );
};
