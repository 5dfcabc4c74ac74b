import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { KEY_KINDS, rotateKeys } from '../../keys/rotation.js';
import type { KeyStore } from '../../keys/key-store.js';
import { AnyObject, closed, MessageBody } from '../schemas/common.js';
import type { AdminGuard } from './admin-guard.js';
import { acceptEmptyBody } from './admin-optional-body.js';

// POST /admin/v1/keys/rotate: a new signing key and/or HMAC key. The new key is published at once
// and starts signing/hashing after two key-refresh periods, when every instance has loaded it;
// the keys it replaces keep verifying until what they signed or hashed has expired.

const RotateBody = Type.Object({ kinds: Type.Optional(Type.Array(Type.Union([Type.Literal('signing'), Type.Literal('hmac')]), { minItems: 1, maxItems: 2, uniqueItems: true })) }, closed);

export const adminKeyRoutes: FastifyPluginAsyncTypebox<{ keys: KeyStore; guard: AdminGuard }> = async (app, { keys, guard }) => {
  app.addHook('onRequest', guard);
  acceptEmptyBody(app);
  app.post(
    '/admin/v1/keys/rotate',
    {
      schema: {
        summary: 'Rotate the token signing key and/or the HMAC key of stored secrets (both when `kinds` is absent, or the body is empty)',
        tags: ['admin'],
        security: [{ AdminToken: [] }],
        body: RotateBody,
        response: { 200: AnyObject, '4xx': MessageBody },
      },
    },
    async (request) => rotateKeys(keys, request.body.kinds ?? KEY_KINDS),
  );
};
