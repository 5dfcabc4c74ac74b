import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Config } from '../../config.js';
import { AuthError } from '../../errors.js';
import { callerOf } from '../../http/client-auth.js';
import { AnyObject, authenticateFields, authenticateOptions, clientSecurity, closed, MessageBody, TokenResponse } from '../../http/schemas/common.js';
import { principalOf, userAuthHook } from '../../http/user-auth.js';
import type { RateLimiter } from '../../limits/rate-limiter.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import type { UserPrincipal } from '../../tokens/token-service.js';
import type { PasskeyService } from './enrolment.js';
import { MAX_ENCODED_RESULT_LENGTH } from './encoded-result.js';
import type { PasskeyLogin } from './use-case.js';

// Passkeys (mosaic-backend-api.md §2.14) in three halves by who calls: the two starts take only the
// app's `client_id` (a browser may call them; limited per client and address), registering with
// the user's own access token, and the rest with the app's client access token. The list and
// revoke paths are ours (the spec names none), beside the authenticator apps' (§2.11).

const EncodedResult = Type.String({
  minLength: 1,
  maxLength: MAX_ENCODED_RESULT_LENGTH,
  description: 'base64 (padded; base64url accepted) of the UTF-8 JSON of PublicKeyCredential.toJSON(), as the helper module /cis/v1/webauthn/client.js returns it',
});
const Timeout = Type.Integer({ minimum: 30, maximum: 600, description: 'seconds the ceremony waits for the browser (default 300)' });
const ClientId = Type.String({ minLength: 1, maxLength: 128 });
const Username = Type.String({ minLength: 1, maxLength: 256 });

const RegisterStartBody = Type.Object(
  {
    client_id: ClientId,
    username: Username,
    display_name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    timeout: Type.Optional(Timeout),
    limit_single_credential_to_device: Type.Optional(Type.Boolean()),
  },
  closed,
);
const AuthenticateStartBody = Type.Object({ client_id: ClientId, username: Type.Optional(Username), timeout: Type.Optional(Timeout), approval_data: Type.Optional(AnyObject) }, closed);
const Registered = Type.Object({
  webauthn_session_id: Type.String(),
  user_id: Type.String(),
  webauthn_username: Type.String(),
  credential_id: Type.String(),
  authenticator_attachment: Type.Union([Type.String(), Type.Null()]),
  aaguid: Type.String(),
});
const PasskeyList = Type.Object({
  credentials: Type.Array(
    Type.Object({
      credential_id: Type.String(),
      webauthn_username: Type.String(),
      display_name: Type.Union([Type.String(), Type.Null()]),
      authenticator_attachment: Type.Union([Type.String(), Type.Null()]),
      aaguid: Type.String(),
      transports: Type.Array(Type.String()),
      backed_up: Type.Boolean(),
      state: Type.Union([Type.Literal('active'), Type.Literal('clone_suspected')]),
      created_at: Type.String(),
      last_used_at: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});
const CredentialParams = Type.Object({ credentialId: Type.String({ minLength: 1, maxLength: 1024 }) });
const DEFAULT_TIMEOUT_SECONDS = 300;
const tags = ['passkeys'];

export const passkeyStartRoutes: FastifyPluginAsyncTypebox<{
  login: PasskeyLogin;
  appByClientId: (clientId: string) => Promise<AppRecord | null>;
  limiter: RateLimiter;
  limits: Config['rateLimits'];
}> = async (app, { login, appByClientId, limiter, limits }) => {
  /** The app the body names, once the caller's address is within its limit. */
  const appOf = async (clientId: string, address: string): Promise<AppRecord> => {
    await limiter.hit('webauthn-start', limits.authenticate, `${clientId}:${address}`);
    const found = await appByClientId(clientId);
    if (found === null) throw new AuthError('APP_NOT_FOUND');
    return found;
  };
  // The options are the WebAuthn L3 JSON forms, as the library makes them (serialised as they are).
  const options = Type.Unknown({ description: 'WebAuthn L3 JSON options for the helper module (binary fields base64url)' });
  const answers = (field: 'credential_creation_options' | 'credential_request_options') => ({
    200: Type.Object({ webauthn_session_id: Type.String(), [field]: options }),
    '4xx': MessageBody,
  });
  app.post(
    '/cis/v1/auth/webauthn/register/start',
    { schema: { summary: 'Start registering a passkey: the options for navigator.credentials.create', tags, body: RegisterStartBody, response: answers('credential_creation_options') } },
    async (request) => {
      const { body } = request;
      return login.startRegistration(await appOf(body.client_id, request.ip), {
        username: body.username,
        displayName: body.display_name ?? null,
        timeoutSeconds: body.timeout ?? DEFAULT_TIMEOUT_SECONDS,
        limitSingleCredentialToDevice: body.limit_single_credential_to_device ?? false,
      });
    },
  );
  app.post(
    '/cis/v1/auth/webauthn/authenticate/start',
    {
      schema: {
        summary: 'Start a passkey login (no username: any discoverable passkey of the app): the options for navigator.credentials.get',
        tags,
        body: AuthenticateStartBody,
        response: answers('credential_request_options'),
      },
    },
    async (request) => {
      const { body } = request;
      if (body.approval_data !== undefined) throw new AuthError('WEBAUTHN_APPROVAL_UNSUPPORTED');
      return login.startAuthentication(await appOf(body.client_id, request.ip), { username: body.username ?? null, timeoutSeconds: body.timeout ?? DEFAULT_TIMEOUT_SECONDS });
    },
  );
};

export const passkeyUserRoutes: FastifyPluginAsyncTypebox<{ passkeys: PasskeyService; verifyUser: (token: string) => Promise<UserPrincipal> }> = async (app, { passkeys, verifyUser }) => {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', userAuthHook(verifyUser));
  const security = [{ UserAccessToken: [] }];
  app.post(
    '/cis/v1/auth/webauthn/register',
    {
      schema: {
        summary: 'Register the passkey of a started registration for the calling user',
        tags,
        security,
        body: Type.Object({ webauthn_encoded_result: EncodedResult }, closed),
        response: { 200: Registered, '4xx': MessageBody },
      },
    },
    async (request) => passkeys.register(principalOf(request), request.body.webauthn_encoded_result),
  );
  app.get('/cis/v1/users/me/webauthn/credentials', { schema: { summary: "The calling user's passkeys", tags, security, response: { 200: PasskeyList, '4xx': MessageBody } } }, async (request) => ({
    credentials: await passkeys.listOwn(principalOf(request)),
  }));
  app.post(
    '/cis/v1/users/me/webauthn/credentials/:credentialId/revoke',
    { schema: { summary: "Revoke one of the calling user's passkeys", tags, security, params: CredentialParams, response: { 204: Type.Null(), '4xx': MessageBody } } },
    async (request, reply) => {
      await passkeys.revokeOwn(principalOf(request), request.params.credentialId);
      return reply.code(204).send(null);
    },
  );
};

const UserParams = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 128 }) });

export const passkeyClientRoutes: FastifyPluginAsyncTypebox<{ login: PasskeyLogin; passkeys: PasskeyService }> = async (app, { login, passkeys }) => {
  app.post(
    '/cis/v1/auth/webauthn/authenticate',
    {
      schema: {
        summary: 'Log in with a passkey, alone or as a factor of the session named',
        tags,
        security: clientSecurity,
        body: Type.Object({ webauthn_encoded_result: EncodedResult, ...authenticateFields }, closed),
        response: { 200: TokenResponse, '4xx': MessageBody },
      },
    },
    async (request) => login.authenticate(callerOf(request), { encodedResult: request.body.webauthn_encoded_result, ...authenticateOptions(request.body) }),
  );
  app.post(
    '/cis/v1/auth/webauthn/external/register',
    {
      schema: {
        summary: "Register a passkey for the app's user with this external id (created when there is none)",
        tags,
        security: clientSecurity,
        body: Type.Object(
          { webauthn_encoded_result: EncodedResult, external_user_id: Type.String({ minLength: 1, maxLength: 256 }), user_email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })) },
          closed,
        ),
        response: { 200: Type.Object({ ...Registered.properties, external_user_id: Type.String(), is_user_created: Type.Boolean() }), '4xx': MessageBody },
      },
    },
    async (request) => {
      const { body } = request;
      return passkeys.registerExternal(callerOf(request), { encodedResult: body.webauthn_encoded_result, externalUserId: body.external_user_id, userEmail: body.user_email ?? null });
    },
  );
  app.get(
    '/cis/v1/users/:userId/webauthn/credentials',
    { schema: { summary: "A user's passkeys", tags, security: clientSecurity, params: UserParams, response: { 200: PasskeyList, '4xx': MessageBody } } },
    async (request) => ({ credentials: await passkeys.listFor(callerOf(request), request.params.userId) }),
  );
  app.post(
    '/cis/v1/users/:userId/webauthn/credentials/:credentialId/revoke',
    {
      schema: {
        summary: "Revoke one of a user's passkeys",
        tags,
        security: clientSecurity,
        params: Type.Object({ ...UserParams.properties, ...CredentialParams.properties }),
        response: { 204: Type.Null(), '4xx': MessageBody },
      },
    },
    async (request, reply) => {
      await passkeys.revokeFor(callerOf(request), request.params.userId, request.params.credentialId);
      return reply.code(204).send(null);
    },
  );
};
