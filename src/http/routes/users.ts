import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type TSchema, Type } from 'typebox';
import type { UserService } from '../../users/user-service.js';
import { callerOf } from '../client-auth.js';
import { clientSecurity, closed, MessageBody } from '../schemas/common.js';
import { PasswordText } from '../../flows/password/routes.js';

// POST /cis/v1/users and the four lookups (§2.12), scoped to the calling app.

const Address = Type.Object(
  {
    country: Type.Optional(Type.String({ maxLength: 100 })),
    state: Type.Optional(Type.String({ maxLength: 100 })),
    city: Type.Optional(Type.String({ maxLength: 100 })),
    street_address: Type.Optional(Type.String({ maxLength: 500 })),
    postal_code: Type.Optional(Type.String({ maxLength: 32 })),
    type: Type.Optional(Type.Union([Type.Literal('Home'), Type.Literal('Work'), Type.Literal('Other')])),
  },
  closed,
);
const Name = Type.Object(
  {
    title: Type.Optional(Type.String({ maxLength: 50 })),
    first_name: Type.Optional(Type.String({ maxLength: 200 })),
    last_name: Type.Optional(Type.String({ maxLength: 200 })),
    middle_name: Type.Optional(Type.String({ maxLength: 200 })),
  },
  closed,
);
const CustomData = Type.Record(Type.String(), Type.Unknown());

const CreateUserBody = Type.Object(
  {
    email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
    phone_number: Type.Optional(Type.String({ minLength: 3, maxLength: 32 })),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    secondary_emails: Type.Optional(Type.Array(Type.String({ format: 'email', maxLength: 320 }), { maxItems: 20 })),
    secondary_phone_numbers: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 20 })),
    birthday: Type.Optional(Type.String({ format: 'date' })),
    address: Type.Optional(Address),
    name: Type.Optional(Name),
    external_account_id: Type.Optional(Type.String({ maxLength: 256 })),
    external_user_id: Type.Optional(Type.String({ maxLength: 256 })),
    custom_data: Type.Optional(CustomData),
    custom_app_data: Type.Optional(CustomData),
    picture: Type.Optional(Type.String({ maxLength: 2048 })),
    language: Type.Optional(Type.String({ maxLength: 35 })),
    // The user's first password for this app (§2.12); temporary unless force_replace is false.
    credentials: Type.Optional(Type.Object({ password: PasswordText, force_replace: Type.Optional(Type.Boolean()) }, closed)),
  },
  closed,
);

const UserResult = Type.Object({ result: Type.Record(Type.String(), Type.Unknown()) });
const LookupValue = Type.String({ minLength: 1, maxLength: 320 });
// One params schema per lookup, so each route's handler knows its parameter's name and type.
const UserIdParams = Type.Object({ user_id: LookupValue });
const EmailParams = Type.Object({ email: LookupValue });
const PhoneNumberParams = Type.Object({ phone_number: LookupValue });
const UsernameParams = Type.Object({ username: LookupValue });
const lookupSchema = <P extends TSchema>(summary: string, params: P) => ({
  summary,
  tags: ['users'],
  security: clientSecurity,
  params,
  response: { 200: UserResult, '4xx': MessageBody },
});

export const userRoutes: FastifyPluginAsyncTypebox<{ users: UserService }> = async (app, { users }) => {
  app.post(
    '/cis/v1/users',
    {
      schema: {
        summary: 'Create a user (or associate an existing tenant user with this app)',
        tags: ['users'],
        security: clientSecurity,
        body: CreateUserBody,
        response: { 201: UserResult, '4xx': MessageBody },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const profile = Object.fromEntries(
        (['secondary_emails', 'secondary_phone_numbers', 'birthday', 'address', 'name', 'picture', 'language'] as const).filter((key) => body[key] !== undefined).map((key) => [key, body[key]]),
      );
      const result = await users.create(callerOf(request), {
        email: body.email ?? null,
        phoneNumber: body.phone_number ?? null,
        username: body.username ?? null,
        externalUserId: body.external_user_id ?? null,
        externalAccountId: body.external_account_id ?? null,
        customData: body.custom_data ?? null,
        customAppData: body.custom_app_data ?? null,
        profile,
        password: body.credentials === undefined ? null : { password: body.credentials.password, forceReplace: body.credentials.force_replace ?? true },
      });
      return reply.code(201).send({ result });
    },
  );

  app.get('/cis/v1/users/:user_id', { schema: lookupSchema('Get a user by id', UserIdParams) }, async (request) => ({
    result: await users.lookup(callerOf(request), 'user_id', request.params.user_id),
  }));
  app.get('/cis/v1/users/email/:email', { schema: lookupSchema('Get a user by email', EmailParams) }, async (request) => ({
    result: await users.lookup(callerOf(request), 'email', request.params.email),
  }));
  for (const path of ['/cis/v1/users/phone-number/:phone_number', '/cis/v1/users/phone/:phone_number']) {
    app.get(path, { schema: lookupSchema('Get a user by phone number', PhoneNumberParams) }, async (request) => ({
      result: await users.lookup(callerOf(request), 'phone_number', request.params.phone_number),
    }));
  }
  app.get('/cis/v1/users/username/:username', { schema: lookupSchema('Get a user by username', UsernameParams) }, async (request) => ({
    result: await users.lookup(callerOf(request), 'username', request.params.username),
  }));
};
