import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppService } from '../../apps/app-service.js';
import { LoginPreferencesSchema } from '../../model/login-preferences.js';
import { redirectUriProblem } from '../../apps/redirect-uri.js';
import { type RelyingParty, relyingPartyProblems, type UserVerification } from '../../model/relying-party.js';
import { AuthError } from '../../errors.js';
import { AnyObject, closed, MessageBody } from '../schemas/common.js';
import type { AdminGuard } from './admin-guard.js';
import { acceptEmptyBody } from './admin-optional-body.js';

// The operator's API (keystate-server.md §4): tenants, apps and their clients, behind
// KEYSTATE_ADMIN_TOKEN (src/http/routes/admin-guard.ts). Without a configured token every call is 401.

// The shape only; which URIs may be registered is checked by `checkRedirectUris` below.
const RedirectUris = Type.Array(Type.String({ minLength: 1, maxLength: 2048, description: 'https:, http: on a loopback host, or a reverse-DNS private-use scheme; no userinfo, no fragment' }), {
  maxItems: 100,
});
const Resources = Type.Array(Type.String({ minLength: 1, maxLength: 2048 }), { maxItems: 100 });
// The shape only; what may be declared is checked by `checkRelyingParty` below. null: no passkeys.
const Webauthn = Type.Union([
  Type.Object(
    {
      rp_id: Type.String({ minLength: 1, maxLength: 253, description: 'the registrable domain passkeys are bound to (lower case, no IP)' }),
      origins: Type.Array(Type.String({ minLength: 1, maxLength: 2048, description: 'scheme://host[:port] of a page on the RP id' }), { minItems: 1, maxItems: 20 }),
      user_verification: Type.Optional(
        Type.Union([Type.Literal('required'), Type.Literal('preferred'), Type.Literal('discouraged')], {
          description: "whether the authenticator must verify the user (PIN, biometrics): 'required' refuses a passkey that did not; default 'preferred'",
        }),
      ),
    },
    closed,
  ),
  Type.Null(),
]);
const AppBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    redirect_uris: RedirectUris,
    tenant_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    resources: Type.Optional(Resources),
    login_preferences: Type.Optional(LoginPreferencesSchema),
    webauthn: Type.Optional(Webauthn),
  },
  closed,
);
const AppPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    redirect_uris: Type.Optional(RedirectUris),
    resources: Type.Optional(Resources),
    login_preferences: Type.Optional(LoginPreferencesSchema),
    webauthn: Type.Optional(Webauthn),
  },
  closed,
);
const AppParams = Type.Object({ app_id: Type.String({ minLength: 1, maxLength: 64 }) });

/** Refuses the body when a redirect URI may not be registered, naming each offending index and why. */
function checkRedirectUris(uris: readonly string[] | undefined): void {
  const problems = (uris ?? []).flatMap((uri, index) => {
    const problem = redirectUriProblem(uri);
    return problem === null ? [] : [`body.redirect_uris.${index} ${problem}`];
  });
  if (problems.length > 0) throw new AuthError('VALIDATION_FAILED', { message: problems });
}

/** The relying party the body declares (undefined: unchanged), refused with each problem named. */
function checkRelyingParty(body: { rp_id: string; origins: string[]; user_verification?: UserVerification } | null | undefined): RelyingParty | null | undefined {
  if (body === undefined || body === null) return body;
  const party = { rpId: body.rp_id, origins: body.origins, ...(body.user_verification === undefined ? {} : { userVerification: body.user_verification }) };
  const problems = relyingPartyProblems(party, 'body.webauthn');
  if (problems.length > 0) throw new AuthError('VALIDATION_FAILED', { message: problems });
  return party;
}

export const adminRoutes: FastifyPluginAsyncTypebox<{ apps: AppService; guard: AdminGuard }> = async (app, { apps, guard }) => {
  app.addHook('onRequest', guard);
  const security = [{ AdminToken: [] }];

  app.post(
    '/admin/v1/tenants',
    {
      schema: {
        summary: 'Create a tenant',
        tags: ['admin'],
        security,
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, closed),
        response: { 201: AnyObject, '4xx': MessageBody },
      },
    },
    async (request, reply) => {
      const tenant = await apps.createTenant(request.body.name);
      return reply.code(201).send({ tenant_id: tenant.id, name: tenant.name });
    },
  );

  await app.register(applicationRoutes, { apps });
  await app.register(rotateSecretRoute, { apps });
};

// (registered inside adminRoutes: the admin guard holds for them)
const applicationRoutes: FastifyPluginAsyncTypebox<{ apps: AppService }> = async (app, { apps }) => {
  const security = [{ AdminToken: [] }];
  app.post(
    '/admin/v1/applications',
    { schema: { summary: 'Create an application and its client', tags: ['admin'], security, body: AppBody, response: { 201: AnyObject, '4xx': MessageBody } } },
    async (request, reply) => {
      const body = request.body;
      checkRedirectUris(body.redirect_uris);
      const webauthn = checkRelyingParty(body.webauthn) ?? null;
      const created = await apps.createApp({
        name: body.name,
        redirectUris: body.redirect_uris,
        tenantId: body.tenant_id ?? null,
        resources: body.resources ?? [],
        loginPreferences: body.login_preferences ?? {},
        webauthn,
      });
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/admin/v1/applications/:app_id',
    { schema: { summary: 'Get an application', tags: ['admin'], security, params: AppParams, response: { 200: AnyObject, '4xx': MessageBody } } },
    async (request) => apps.getApp(request.params.app_id),
  );

  app.patch(
    '/admin/v1/applications/:app_id',
    { schema: { summary: 'Change an application', tags: ['admin'], security, params: AppParams, body: AppPatch, response: { 200: AnyObject, '4xx': MessageBody } } },
    async (request) => {
      const body = request.body;
      checkRedirectUris(body.redirect_uris);
      const webauthn = checkRelyingParty(body.webauthn);
      return apps.updateApp(request.params.app_id, {
        ...(body.name === undefined ? {} : { name: body.name }),
        ...(body.redirect_uris === undefined ? {} : { redirectUris: body.redirect_uris }),
        ...(body.resources === undefined ? {} : { resources: body.resources }),
        ...(body.login_preferences === undefined ? {} : { loginPreferences: body.login_preferences }),
        ...(webauthn === undefined ? {} : { webauthn }),
      });
    },
  );
};

// Its body is optional (there is none to send): an empty one is accepted, JSON-typed or not.
const rotateSecretRoute: FastifyPluginAsyncTypebox<{ apps: AppService }> = async (scope, { apps }) => {
  acceptEmptyBody(scope);
  scope.post(
    '/admin/v1/applications/:app_id/rotate-secret',
    { schema: { summary: "Replace an application's client secret", tags: ['admin'], security: [{ AdminToken: [] }], params: AppParams, response: { 200: AnyObject, '4xx': MessageBody } } },
    async (request) => apps.rotateSecret(request.params.app_id),
  );
};
